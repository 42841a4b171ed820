"""Schemathesis hooks that make generated requests real: authenticated, and on the success path.

- Merchant operations are signed with the RSA key of the chosen environment (a `requests` auth,
  so the signature covers the exact bytes sent, whatever the generator put in the body).
- Session-token operations get a token minted through issue-session-token; store-slug-only
  operations (the hosted page's calls) the slug of the first store in the credentials.
- Positive cases point at the seeded world: a real store and product, a supported currency, and
  wherever a body names a checkout session, a fresh one of the right product type per case,
  pre-filled with a buyer email and billing detail, so create-order succeeds unless the
  generated body breaks a rule.
  Negative cases are left alone: they exist to be rejected.
- The credentials' stores and products are what verify sells from: schemathesis feeds ids it saw
  in answers into later cases, so an update, publish or delete that names one of them gets a
  stand-in made for the case instead, in every mode and phase.
- A valid generated X-Idempotency-Key is made unique per case: a reused key replays the first
  answer by design, which would make every later case with that key test nothing.
- GraphQL queries (generated from the SDL) are merchant-signed, and a positive query's page
  arguments are put within their documented bounds (`limit` 1 to 100, `offset` from 0) and an
  analytics time range made of ISO 8601 strings, which the SDL cannot express.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from schemathesis import GenerationMode

from pancake_mock.verify.client import Api

ORDER_OPERATIONS = {"createOnetimeOrder": "onetime", "createSubscriptionOrder": "subscription"}
PLAN_CHANGE = ("originOrderId", "changeTiming", "changeAmount", "changeCreditAmount")
# Operations that make something new in a store: into a seeded one, so positive data can succeed.
NEW_IN_A_STORE = ("createOnetimeProduct", "createSubscriptionProduct", "createProductGroup")
# Operations that change or delete, in place, the store or product their body's `id` names.
CHANGES_IN_PLACE = ("updateStore", "deleteStore",
                    "updateOnetimeProduct", "publishOnetimeProduct", "updateOnetimeProductStatus",
                    "updateSubscriptionProduct", "publishSubscriptionProduct", "updateSubscriptionProductStatus")
MERCHANT_SCHEMES = {"merchantId", "merchantTimestamp", "merchantSignature"}
MERCHANT_HEADERS = {"X-Merchant-Id", "X-Timestamp", "X-Signature"}
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
PAGE_ARGUMENT = re.compile(r"\b(limit|offset): (-?\d+)")
PAGE_BOUNDS = {"limit": (1, 100), "offset": (0, 10**6)}
TIME_RANGE = re.compile(r'\b(startDate|endDate): "(?:[^"\\]|\\.)*"')
TIME_RANGE_DATES = {"startDate": "2025-01-01T00:00:00Z", "endDate": "2030-01-01T00:00:00Z"}
PREFILL = {"buyerEmail": "verify-buyer@example.com",
           "billingDetail": {"country": "US", "isBusiness": False, "state": "CA"}}


def operation_id(case_or_operation: Any) -> str:
    operation = getattr(case_or_operation, "operation", case_or_operation)
    return operation.definition.raw.get("operationId", "")


def _security(operation: Any) -> set[str]:
    raw = operation.definition.raw.get("security", operation.schema.raw_schema.get("security", []))
    return {name for requirement in raw for name in requirement}


def _pick(options: list[Any], seed: Any) -> Any:
    """A stable choice driven by generated data, so a seed reproduces the same requests."""
    digest = hashlib.sha256(repr(seed).encode()).digest()
    return options[digest[0] % len(options)]


def _stripped(case: Any, headers: set[str]) -> bool:
    """A negative case generated without its credential headers: it must go out unauthenticated."""
    negative = case.meta is not None and case.meta.generation.mode.is_negative
    return negative and not headers <= set(case.headers or {})


def stand_in(api: Api, name: str, body: Any) -> Any:
    """`body` for operation `name`, its `id` swapped for a fresh store or product of the same kind
    when it names one of the credentials'."""
    if name not in CHANGES_IN_PLACE or not isinstance(body, dict) or not isinstance(body.get("id"), str):
        return body
    if any(store["id"] == body["id"] for store in api.stores):
        return {**body, "id": api.create_store("verify stand-in")["id"]}
    kind = next((p["type"] for store in api.stores for p in store["products"] if p["id"] == body["id"]), None)
    return {**body, "id": api.create_product(kind)["id"]} if kind else body


def install(schema: Any, api: Api) -> None:
    def secured_by(accepts: Any) -> list[str]:
        return [operation_id(op.ok()) for op in schema.get_all_operations() if accepts(_security(op.ok()))]

    signer = api.signer()

    @schema.auth(refresh_interval=None).apply_to(operation_id=secured_by(lambda names: names & MERCHANT_SCHEMES))
    class MerchantKey:
        def get(self, case, context):
            return None if _stripped(case, MERCHANT_HEADERS) else signer

        def set(self, case, data, context):
            # A `requests` auth signs the prepared request: the exact bytes sent, as the gateway
            # verifies them. It is how schemathesis' own `set_from_requests` attaches one.
            case._auth = data

    @schema.auth(refresh_interval=60).apply_to(operation_id=secured_by(lambda names: names == {"sessionToken"}))
    class SessionToken:
        def get(self, case, context):
            return None if _stripped(case, {"Authorization"}) else api.issue_token()

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    @schema.auth(refresh_interval=None).apply_to(operation_id=secured_by(lambda names: names == {"storeSlug"}))
    class StoreSlug:
        def get(self, case, context):
            return None if _stripped(case, {"X-Store-Slug"}) else api.stores[0]["slug"]

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "X-Store-Slug": data, "X-Environment": api.environment}

    @schema.hook("filter_failure")
    def unauthenticated_is_not_valid_data(context, failure, case, response):
        # Schemathesis labels a few credential-header mutations positive (a bad `format` of
        # Authorization, unexpected header properties) and sends them without credentials; a 401
        # to such a request is the API being right, not valid data rejected.
        rejected = failure.title == "Schema-valid request rejected" and response.status_code == 401
        return not (rejected and not case._has_explicit_auth)

    @schema.hook("map_case")
    def away_from_the_credentials(context, case):
        case.body = stand_in(api, operation_id(case), case.body)
        return case

    @schema.hook("map_case")
    def unique_idempotency_key(context, case):
        key = (case.headers or {}).get("X-Idempotency-Key")
        if isinstance(key, str) and IDEMPOTENCY_KEY.match(key):
            unique = secrets.token_hex(8)
            case.headers["X-Idempotency-Key"] = (unique + key)[: max(len(key), len(unique))]
        return case

    @schema.hook("map_case")
    def into_the_seeded_world(context, case):
        if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE or not isinstance(case.body, dict):
            return case
        name = operation_id(case)
        body = case.body
        if isinstance(body.get("checkoutSessionId"), str):
            case.headers = {**(case.headers or {}), "X-Environment": api.environment}
            # In the stateful phase the id arrives through the contract's link; elsewhere it is fresh.
            if case.meta.phase.name != "stateful":
                product = _pick(api.products(ORDER_OPERATIONS.get(name, "onetime")), body["checkoutSessionId"])
                body["checkoutSessionId"] = api.create_session(product["id"], **PREFILL)
        elif name == "createCheckoutSession" and isinstance(body.get("productId"), str):
            # Harmless with a merchant key; lets the ignored_auth probe's store slug be judged on auth.
            case.headers = {**(case.headers or {}), "X-Environment": api.environment}
            product = _pick(api.products("onetime") + api.products("subscription"), body["productId"])
            body["productId"] = product["id"]
            for name in PLAN_CHANGE:  # a generated originOrderId names no subscription: a purchase instead
                body.pop(name, None)
            if body.get("currency") not in product["prices"]:
                body["currency"] = _pick(sorted(product["prices"]), body.get("currency"))
        elif name == "issueSessionToken":
            store = _pick(api.stores, body.get("buyerIdentity"))
            if "storeId" in body:
                body["storeId"] = store["id"]
            if "productId" in body and store["products"]:
                body["productId"] = _pick(store["products"], body["productId"])["id"]
        elif name in NEW_IN_A_STORE and isinstance(body.get("storeId"), str):
            body["storeId"] = _pick(api.stores, body["storeId"])["id"]
        return case


def install_graphql(schema: Any, api: Api) -> None:
    signer = api.signer()

    @schema.auth(refresh_interval=None)
    class MerchantKey:
        def get(self, case, context):
            return signer

        def set(self, case, data, context):
            case._auth = data

    @schema.hook("map_case")
    def within_documented_bounds(context, case):
        if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE and isinstance(case.body, str):
            case.body = PAGE_ARGUMENT.sub(_bounded, case.body)
            case.body = TIME_RANGE.sub(lambda match: f'{match[1]}: "{TIME_RANGE_DATES[match[1]]}"', case.body)
        return case


def _bounded(match: re.Match) -> str:
    low, high = PAGE_BOUNDS[match[1]]
    return f"{match[1]}: {min(max(int(match[2]), low), high)}"

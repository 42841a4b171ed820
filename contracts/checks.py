"""Checks of ours, on top of every built-in schemathesis check.

They judge what the schema alone cannot: the error envelope's message rules, the meaning of
success answers, and that the API's own headers are documented.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import schemathesis

from pancake_mock.verify.signing import SECRET_HEADERS

# A value this long found inside a message is an echo, not a coincidence with a field name.
ECHO_MIN_LENGTH = 8
# Header namespaces the API owns: its own headers must be documented, internal ones must not leak.
API_HEADER_PREFIXES = ("x-idempotent-", "x-context-", "x-waffo-", "x-pancake-")


def _json(response: Any) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


_CONTRACT_TEXTS: dict[int, str] = {}


def _contract_text(operation: Any) -> str:
    """The contract as one string, computed once per loaded schema."""
    raw = operation.schema.raw_schema
    if id(raw) not in _CONTRACT_TEXTS:
        _CONTRACT_TEXTS[id(raw)] = json.dumps(raw)
    return _CONTRACT_TEXTS[id(raw)]


def _sent_strings(case: Any) -> set[str]:
    """Values the client chose (body, query, path, non-secret headers) that the contract does not
    itself contain: a message may name a field or an enum value, but not repeat the client."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(case.body if isinstance(case.body, (dict, list, str)) else None)
    for container in (case.query, case.path_parameters):
        walk(dict(container or {}))
    walk({k: v for k, v in (case.headers or {}).items() if k.lower() not in SECRET_HEADERS})
    contract = _contract_text(case.operation)
    return {value for value in found if len(value.strip()) >= ECHO_MIN_LENGTH and value not in contract}


@schemathesis.check
def error_envelope(ctx, response, case):
    """Every error is our envelope, with a non-empty single-line message that echoes no input."""
    if response.status_code < 400:
        return None
    body = _json(response)
    if not (isinstance(body, dict) and body.get("data", "missing") is None and isinstance(body.get("errors"), list)
            and body["errors"] and isinstance(body["errors"][0], dict)):
        raise AssertionError('Error answer is not the envelope {"data": null, "errors": [{"message", "layer"}]}')
    message = body["errors"][0].get("message")
    if not isinstance(message, str) or not message.strip():
        raise AssertionError("errors[0].message is empty")
    if "\n" in message or "\r" in message:
        raise AssertionError("errors[0].message spans several lines")
    if any(value in message for value in _sent_strings(case)):
        raise AssertionError("errors[0].message echoes a value from the request")
    return None


def _future(text: Any) -> bool:
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment.tzinfo is not None and moment > datetime.now(timezone.utc)


def _absolute_http_url(text: Any) -> bool:
    parts = urlsplit(text) if isinstance(text, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)


# What each success answer must mean, beyond its schema: (rule, explanation) per operationId.
SUCCESS_RULES = {
    "issueSessionToken": (lambda data, sent: bool(data.get("token")) and _future(data.get("expiresAt")),
                          "a non-empty token that expires in the future"),
    "createCheckoutSession": (lambda data, sent: _absolute_http_url(data.get("checkoutUrl")) and _future(data.get("expiresAt")),
                              "an absolute checkoutUrl and a session that expires in the future"),
    "createOnetimeOrder": (lambda data, sent: _absolute_http_url(data.get("checkoutUrl")),
                           "an absolute http(s) checkoutUrl"),
    "createSubscriptionOrder": (lambda data, sent: _absolute_http_url(data.get("checkoutUrl")),
                                "an absolute http(s) checkoutUrl"),
    "createOnetimeProduct": (lambda data, sent: isinstance(sent, dict) and data.get("product", {}).get("name") == sent.get("name"),
                             "the product as sent (same name)"),
}


GRAPHQL = "graphqlQuery"


@schemathesis.check
def success_envelope(ctx, response, case):
    """Every success is {"data": ...} with no errors, and carries what the operation promises.
    GraphQL answers in GraphQL's shape instead: a query's errors come with its 200 (and the
    contract's response schema checks that shape)."""
    if not 200 <= response.status_code < 300 or case.operation.definition.raw.get("operationId") == GRAPHQL:
        return None
    body = _json(response)
    if not (isinstance(body, dict) and isinstance(body.get("data"), dict) and "errors" not in body):
        raise AssertionError('Success answer is not {"data": {...}} without errors')
    rule = SUCCESS_RULES.get(case.operation.definition.raw.get("operationId"))
    if response.headers.get("x-idempotent-replayed") == ["true"]:
        return None  # a replay answers what the key's first request got, whatever this body says
    if rule is not None and not rule[0](body["data"], case.body):
        raise AssertionError(f"Success answer lacks {rule[1]}")
    return None


def _documented_headers(operation: Any) -> set[str]:
    return {name.lower() for name in re.findall(r"X-[A-Za-z0-9-]+", _contract_text(operation))}


@schemathesis.check
def documented_headers(ctx, response, case):
    """Headers in the API's own namespaces are ones the contract names; internal ones never leak."""
    documented = _documented_headers(case.operation)
    for name in response.headers:
        lowered = name.lower()
        if lowered.startswith(API_HEADER_PREFIXES) and lowered not in documented:
            raise AssertionError(f"Undocumented response header {name}")
    return None


@schemathesis.check
class success_path_reached:
    """Each create-order operation that was exercised answered 2xx at least once: the hooks reach
    the success path, and a deployment that can never create an order does not pass as green."""

    OPERATIONS = ("createOnetimeOrder", "createSubscriptionOrder")

    def __init__(self):
        self.tested: set[str] = set()
        self.reached: set[str] = set()

    def after_response(self, ctx, response, case):
        name = case.operation.definition.raw.get("operationId")
        if name in self.OPERATIONS:
            self.tested.add(name)
            if 200 <= response.status_code < 300:
                self.reached.add(name)

    def after_run(self, ctx):
        never = sorted(self.tested - self.reached)
        if never:
            raise AssertionError(f"never answered 2xx: {', '.join(never)}")

"""The scenario suite: the business rules fuzzing cannot judge, against any deployment.

Every row of the seed's create-order error table with its exact status and message, the happy
path, its order read back through GraphQL, cancel-order, email normalization, the price snapshot, environment and
store isolation, and (not under --safe: they write the account's catalog) stores, publishing, trials and plan changes. Without the
mock's control plane a scenario judges what the API answers; with it, stored state too.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from urllib.parse import urlsplit

from pancake_mock.verify.client import CREATE_SESSION, Api
from pancake_mock.verify.scenarios import Context, Skip, check, expect, scenario
from pancake_mock.verify.signing import MerchantSignature

ORDER = "/v1/actions/onetime-order/create-order"
CANCEL = "/v1/actions/onetime-order/cancel-order"
CREATE_PRODUCT = "/v1/actions/onetime-product/create-product"
UPDATE_PRODUCT = "/v1/actions/onetime-product/update-product"
US_CA = {"country": "US", "isBusiness": False, "state": "CA"}
EMAIL = "verify-buyer@example.com"
SESSION_INVALID = "Checkout session invalid, please re-enter checkout"


def order_body(session: str, **extra) -> dict:
    return {"checkoutSessionId": session, "buyerEmail": EMAIL, "billingDetail": US_CA, **extra}


def first_product(api: Api, kind: str, store: int = 0) -> dict:
    products = api.products(kind, store) if store < len(api.stores) else []
    if not products:
        raise Skip(f"the credentials list no {kind} product in store {store}")
    return products[0]


def needs_second_store(api: Api) -> None:
    if len(api.stores) < 2:
        raise Skip("the credentials list only one store")


def orders_of(api: Api, session: str) -> list[dict]:
    return api.control("GET", "/orders", params={"checkoutSessionId": session})["orders"]


# The seed's error table, row by row.

@scenario("create-order 400 Invalid JSON body")
def invalid_json(ctx: Context):
    expect(ctx.api.create_order(None, raw=b'{"checkoutSessionId": '), 400, "Invalid JSON body")


@scenario("create-order 400 Missing required field: checkoutSessionId")
def missing_session_id(ctx: Context):
    expect(ctx.api.create_order({"buyerEmail": EMAIL, "billingDetail": US_CA}), 400,
           "Missing required field: checkoutSessionId")


@scenario("create-order 400 Session product type mismatch: expected onetime")
def product_type_mismatch(ctx: Context):
    session = ctx.api.create_session(first_product(ctx.api, "subscription")["id"])
    expect(ctx.api.create_order(order_body(session)), 400, "Session product type mismatch: expected onetime")


@scenario("create-order 400 Environment mismatch between request and session")
def environment_mismatch(ctx: Context):
    session = ctx.api.create_session()
    token = ctx.api.issue_token()
    response = ctx.api.create_order(order_body(session), token, environment=ctx.other_environment())
    expect(response, 400, "Environment mismatch between request and session")


@scenario("create-order 400 Missing billingDetail: provide in request body or pre-fill in checkout session")
def missing_billing_detail(ctx: Context):
    session = ctx.api.create_session()
    expect(ctx.api.create_order({"checkoutSessionId": session, "buyerEmail": EMAIL}), 400,
           "Missing billingDetail: provide in request body or pre-fill in checkout session")


@scenario("create-order 400 State is required for US/CA")
def state_required(ctx: Context):
    for country in ("US", "CA"):
        session = ctx.api.create_session()
        body = order_body(session, billingDetail={"country": country, "isBusiness": False})
        expect(ctx.api.create_order(body), 400, "State is required for US/CA")


@scenario("create-order 400 Missing buyerEmail: provide in request body or pre-fill in checkout session")
def missing_buyer_email(ctx: Context):
    session = ctx.api.create_session()
    token = ctx.api.issue_token(buyer=f"verify-user-{secrets.token_hex(4)}")  # opaque: carries no email
    expect(ctx.api.create_order({"checkoutSessionId": session, "billingDetail": US_CA}, token), 400,
           "Missing buyerEmail: provide in request body or pre-fill in checkout session")


@scenario("create-order 401 Authentication failed")
def authentication_failed(ctx: Context):
    session = ctx.api.create_session()
    for token in ("not-a-token", "eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJ4In0.c2ln"):
        expect(ctx.api.as_buyer(ORDER, order_body(session), token), 401, "Authentication failed")
    expect(ctx.api.as_buyer(ORDER, order_body(session), None), 401, "Authentication failed")


@scenario("create-order 403 Session does not belong to this store")
def session_of_another_store(ctx: Context):
    needs_second_store(ctx.api)
    session = ctx.api.create_session()
    expect(ctx.api.create_order(order_body(session), ctx.api.issue_token(store=1)), 403,
           "Session does not belong to this store")


@scenario("create-order 409 Checkout session invalid, please re-enter checkout")
def session_invalid(ctx: Context):
    expect(ctx.api.create_order(order_body("cs_00000000-0000-4000-8000-000000000000")), 409, SESSION_INVALID)
    session = ctx.api.create_session()
    expect(ctx.api.create_order(order_body(session)), 200)
    expect(ctx.api.create_order(order_body(session)), 409, SESSION_INVALID)


@scenario("create-order 500 Internal server error, and the order is rolled back", control_plane=True, shared_state=True)
def psp_failure_rolls_back(ctx: Context):
    api = ctx.api
    session = api.create_session()
    token = api.issue_token()
    api.control("PUT", "/psp/faults", json={"failNext": 1})
    try:
        expect(api.create_order(order_body(session), token), 500, "Internal server error")
    finally:
        api.control("DELETE", "/psp/faults")
    check(orders_of(api, session) == [], "an order was stored although the PSP call failed")
    record = api.control("GET", f"/checkout-sessions/{session}")
    check(record["status"] == "open", f"the session is {record['status']} after the failed order, not open")
    expect(api.create_order(order_body(session), token), 200)
    check(len(orders_of(api, session)) == 1, "the retry after a PSP failure did not store exactly one order")


# Beyond the error table.

@scenario("happy path: checkout session, order, PSP checkout URL")
def happy_path(ctx: Context):
    api = ctx.api
    product = first_product(api, "onetime")
    session = api.create_session(product["id"])
    response = expect(api.create_order(order_body(session)), 200)
    url = response.json()["data"]["checkoutUrl"]
    check(urlsplit(url).scheme in ("http", "https") and bool(urlsplit(url).netloc),
          "checkoutUrl is not an absolute http(s) URL", response)
    if not ctx.control_plane:
        return "stored order not observable without /_mock"
    [order] = orders_of(api, session)
    snapshot = order["priceSnapshot"]
    check(order["status"] == "pending" and order["checkoutUrl"] == url, "the stored order is not pending with this URL")
    check((order["storeId"], order["environment"]) == (api.stores[0]["id"], api.environment),
          "the order is not in the session's store and environment")
    check(Decimal(snapshot["total"]) == Decimal(snapshot["subtotal"]) + Decimal(snapshot["taxAmount"]),
          "the price snapshot's total is not subtotal + taxAmount")
    check(api.control("GET", f"/checkout-sessions/{session}")["status"] == "completed", "the session is not completed")
    return None


READ_ORDER = """query ($id: ID!) { onetimeOrder(id: $id) {
  id status buyerEmail priceSnapshot { total } payments { id status cardInfo { last4 } } } }"""


@scenario("reads: the happy path's order reads back through GraphQL, pending, then paid with its payment")
def order_reads_back(ctx: Context):
    api = ctx.api
    reference = f"verify-read-{secrets.token_hex(4)}"
    buyer = f"verify-reader-{secrets.token_hex(3)}"
    session = api.create_session(first_product(api, "onetime")["id"], orderMerchantExternalId=reference)
    token = api.issue_token(buyer=buyer)
    expect(api.create_order(order_body(session), token), 200)
    found = expect(api.graphql("""query ($s: String!, $ref: String!) {
        onetimeOrders(storeId: $s, filter: { orderMerchantExternalId: { eq: $ref } }) { id status buyerEmail } }""",
                               {"s": api.stores[0]["id"], "ref": reference}), 200)
    orders = (found.json().get("data") or {}).get("onetimeOrders") or []
    check(len(orders) == 1 and orders[0]["status"] == "pending" and orders[0]["buyerEmail"] == EMAIL,
          "GraphQL does not list the new order, pending, by its orderMerchantExternalId", found)
    order_id = orders[0]["id"]
    refused = expect(api.graphql(READ_ORDER, {"id": order_id}, token=api.issue_token(buyer=buyer + "-other")), 200)
    check(refused.json().get("data") == {"onetimeOrder": None}, "another buyer's token reads the order", refused)
    expect(api.graphql('mutation { createStore(name: "x") { id } }'), 403)
    if not ctx.control_plane:
        return "paid state not checked: paying needs the mock's /_mock"
    payment = api.control("POST", f"/orders/{order_id}/pay", json={})["payment"]
    for reader in (None, token):  # the merchant, and the buyer's own token
        read = expect(api.graphql(READ_ORDER, {"id": order_id}, token=reader), 200)
        order = (read.json().get("data") or {}).get("onetimeOrder") or {}
        check(order.get("status") == "completed" and [(p["id"], p["status"]) for p in order.get("payments", [])]
              == [(payment["id"], "succeeded")], "the paid order does not read back completed with its payment", read)
    return None


@scenario("cancel-order: the buyer cancels a pending order; 400 once canceled, 403 for another buyer, 404 for none")
def cancel_order(ctx: Context):
    api = ctx.api
    if not ctx.control_plane:
        raise Skip("an order's id is observable only through /_mock (create-order does not return it)")
    buyer = f"verify-cancel-{secrets.token_hex(3)}"
    token = api.issue_token(buyer=buyer)
    session = api.create_session(first_product(api, "onetime")["id"])
    expect(api.create_order(order_body(session), token), 200)
    [order] = orders_of(api, session)
    expect(api.as_buyer(CANCEL, {"orderId": order["id"]}, api.issue_token(buyer=buyer + "-other")), 403,
           "Order does not belong to user")
    canceled = expect(api.as_buyer(CANCEL, {"orderId": order["id"]}, token), 200)
    check(canceled.json()["data"] == {"orderId": order["id"], "status": "canceled"},
          "cancel-order does not answer {orderId, status: canceled}", canceled)
    expect(api.as_buyer(CANCEL, {"orderId": order["id"]}, token), 400, "Order cannot be canceled, current status: canceled")
    expect(api.as_buyer(CANCEL, {"orderId": "ORD_" + "0" * 22}, token), 404, "Order not found")
    return None


@scenario("email normalization: trim().toLowerCase() before storage, write-back and PSP")
def email_normalization(ctx: Context):
    api = ctx.api
    local = f"verify.{secrets.token_hex(3)}"
    sessions = []
    for sent in (f"  {local.upper()}@Example.COM \t", f"{local}@example.com"):
        session = api.create_session()
        expect(api.create_order({"checkoutSessionId": session, "buyerEmail": sent, "billingDetail": US_CA}), 200)
        sessions.append(session)
    if not ctx.control_plane:
        return "accepted; stored e-mail not observable without /_mock"
    expected = f"{local}@example.com"
    for session in sessions:
        [order] = orders_of(api, session)
        check(order["buyerEmail"] == expected, "the stored order's buyerEmail is not trimmed and lower-cased")
        record = api.control("GET", f"/checkout-sessions/{session}")
        check(record["buyerEmail"] == expected, "the e-mail written back to the session is not normalized")
    journal = api.control("GET", "/psp/calls")["calls"]
    sent_to_psp = [c["request"].get("buyerEmail") for c in journal if c["request"].get("orderId") in
                   {orders_of(api, s)[0]["id"] for s in sessions}]
    check(sent_to_psp == [expected, expected], "the PSP was not sent the normalized e-mail")
    return None


@scenario("price snapshot: an order keeps the price its session locked", control_plane=True)
def price_snapshot(ctx: Context):
    api = ctx.api
    created = expect(api.signed(CREATE_PRODUCT, {
        "storeId": api.stores[0]["id"], "name": f"verify snapshot {secrets.token_hex(3)}",
        "prices": {"USD": {"amount": "10.00", "taxCategory": "saas"}},
    }), 200)
    product_id = created.json()["data"]["product"]["id"]
    locked = api.create_session(product_id, "USD")
    expect(api.signed(UPDATE_PRODUCT, {"id": product_id, "prices": {"USD": {"amount": "99.00", "taxCategory": "saas"}}}), 200)
    fresh = api.create_session(product_id, "USD")
    for session, price in ((locked, "10.00"), (fresh, "99.00")):
        expect(api.create_order(order_body(session)), 200)
        [order] = orders_of(api, session)
        check(order["priceSnapshot"]["subtotal"] == price,
              f"the order's subtotal is {order['priceSnapshot']['subtotal']}, not the session's {price}")


@scenario("environment isolation: a session is refused in the other environment")
def environment_isolation(ctx: Context):
    api, other = ctx.api, ctx.other_environment()
    if not api.has_key(other):
        raise Skip(f"the credentials hold no {other} API key")
    session = api.create_session(environment=other)
    expect(api.create_order(order_body(session), api.issue_token()), 400,
           "Environment mismatch between request and session")
    expect(api.create_order(order_body(session), api.issue_token(environment=other), environment=other), 200)


@scenario("store isolation: a store's token cannot use another store's session")
def store_isolation(ctx: Context):
    api = ctx.api
    needs_second_store(api)
    session = api.create_session(first_product(api, "onetime", store=1)["id"])
    expect(api.create_order(order_body(session), api.issue_token(store=0)), 403, "Session does not belong to this store")
    # The refusal consumed nothing: the session's own store can still use it.
    expect(api.create_order(order_body(session), api.issue_token(store=1)), 200)


@scenario("merchant signature: unsigned, foreign-key and tampered requests are refused")
def merchant_signature_enforced(ctx: Context):
    api = ctx.api
    body = {"productId": first_product(api, "onetime")["id"], "currency": "USD"}
    expect(api.send("POST", CREATE_SESSION, json=body), 401)
    stranger = MerchantSignature.with_unknown_key(api.merchant_id)
    expect(api.send("POST", CREATE_SESSION, json=body, auth=stranger), 401)

    def tamper(request):
        signed = api.signer()(request)
        signed.body = signed.body.replace(b'"USD"', b'"EUR"')
        return signed

    expect(api.send("POST", CREATE_SESSION, json=body, auth=tamper), 401)


@scenario("error messages never echo the request")
def no_echo(ctx: Context):
    session = ctx.api.create_session()
    probe = f"verify-probe-{secrets.token_hex(4)} is not an e-mail"
    response = ctx.api.create_order({"checkoutSessionId": session, "buyerEmail": probe, "billingDetail": US_CA})
    expect(response, 400)
    message = response.json()["errors"][0]["message"]
    check(probe not in message and "verify-probe" not in message, "errors[0].message repeats the request", response)


# The merchant's catalog and stores. They write the account's catalog, so --safe skips them.

def writes_catalog(ctx: Context) -> None:
    if ctx.safe:
        raise Skip("writes the account's stores and catalog (not under --safe)")


@scenario("catalog: production sells a product once published, and no product once inactive")
def publish_and_status(ctx: Context):
    writes_catalog(ctx)
    api = ctx.api
    product = api.create_product()
    in_prod = {"productId": product["id"], "currency": "USD"}
    prod = api.environment == "test" and api.has_key("prod")
    if prod:
        expect(api.signed(CREATE_SESSION, in_prod, environment="prod"), 404, "Product not found in production: publish it first")
    expect(api.signed("/v1/actions/onetime-product/publish-product", {"id": product["id"]}), 200)
    if prod:
        expect(api.signed(CREATE_SESSION, in_prod, environment="prod"), 200)
    expect(api.signed("/v1/actions/onetime-product/update-status", {"id": product["id"], "status": "inactive"}), 200)
    expect(api.signed(CREATE_SESSION, in_prod), 400, "Product is not active")


@scenario("stores: create-store, update-store's warnings, delete-store")
def store_lifecycle(ctx: Context):
    writes_catalog(ctx)
    api = ctx.api
    store = api.create_store()
    check(store["prodEnabled"] is False and store["deletedAt"] is None, "a new store is not production-enabled", store)
    updated = expect(api.signed("/v1/actions/store/update-store", {
        "id": store["id"], "notificationSettings": {"notifyNewOrders": False, "emailOrderConfirmation": False}}), 200).json()
    settings = updated["data"]["store"]["notificationSettings"]
    check(settings["notifyNewOrders"] is False and settings["emailOrderConfirmation"] is True,
          "the platform's toggle changed, or the merchant's did not", settings)
    check(any("emailOrderConfirmation" in warning["message"] for warning in updated.get("warnings", [])),
          "the dropped toggle is not named in warnings", updated)
    expect(api.signed("/v1/actions/store/delete-store", {"id": store["id"]}), 200)
    expect(api.signed("/v1/actions/store/delete-store", {"id": store["id"]}), 404, "Store not found")


@scenario("webhooks: add-webhook, update-webhook and remove-webhook on a store of verify's own")
def webhook_endpoints(ctx: Context):
    writes_catalog(ctx)
    api = ctx.api
    store = api.create_store("verify webhooks")
    added = expect(api.signed("/v1/actions/store/add-webhook", {
        "storeId": store["id"], "channel": "http", "url": "https://example.com/verify-hook",
        "events": ["order.completed"], "testMode": True}), 200).json()["data"]["webhook"]
    check((added["storeId"], added["url"]) == (store["id"], "https://example.com/verify-hook"),
          "add-webhook does not answer the endpoint it added", added)
    updated = expect(api.signed("/v1/actions/store/update-webhook", {
        "id": added["id"], "url": "https://example.com/verify-hook-2"}), 200).json()["data"]["webhook"]
    check(updated["url"] == "https://example.com/verify-hook-2", "update-webhook does not change the URL", updated)
    expect(api.signed("/v1/actions/store/remove-webhook", {"id": added["id"]}), 200)
    expect(api.signed("/v1/actions/store/remove-webhook", {"id": added["id"]}), 404)
    expect(api.signed("/v1/actions/store/delete-store", {"id": store["id"]}), 200)


@scenario("subscription catalog: update-product, publish-product and update-status of a subscription product")
def subscription_catalog(ctx: Context):
    writes_catalog(ctx)
    api = ctx.api
    plan = api.create_product("subscription")
    base = "/v1/actions/subscription-product"
    updated = expect(api.signed(f"{base}/update-product", {"id": plan["id"], "name": plan["name"] + " v2"}),
                     200).json()["data"]["product"]
    check(updated["name"] == plan["name"] + " v2", "update-product does not answer the new name", updated)
    expect(api.signed(f"{base}/publish-product", {"id": plan["id"]}), 200)
    expect(api.signed(f"{base}/update-status", {"id": plan["id"], "status": "inactive"}), 200)
    expect(api.signed(CREATE_SESSION, {"productId": plan["id"], "currency": "USD"}), 400, "Product is not active")


@scenario("product groups: create-group, update-group, publish-group and delete-group of verify's own plans")
def product_group(ctx: Context):
    writes_catalog(ctx)
    api = ctx.api
    plans = [api.create_product("subscription")["id"] for _ in range(2)]
    base = "/v1/actions/subscription-product-group"
    made = expect(api.signed(f"{base}/create-group", {"storeId": api.stores[0]["id"], "name": "verify group",
                                                      "productIds": plans}), 200).json()["data"]["group"]
    check(made["productIds"] == plans, "create-group does not answer its plans, in order", made)
    updated = expect(api.signed(f"{base}/update-group", {"id": made["id"], "productIds": plans[:1]}),
                     200).json()["data"]["group"]
    check(updated["productIds"] == plans[:1] and updated["name"] == "verify group",
          "update-group does not replace the plans and keep the name", updated)
    expect(api.signed(f"{base}/publish-group", {"id": made["id"]}), 200)
    expect(api.signed(f"{base}/delete-group", {"id": made["id"]}), 200)
    expect(api.signed(f"{base}/delete-group", {"id": made["id"]}), 404, "Subscription product group not found")


def paid_order(ctx: Context, kind: str, buyer: str) -> tuple[dict, str]:
    """A `kind` order of a fresh buyer of verify's own, paid through the control plane, and the buyer's token."""
    api = ctx.api
    token = api.issue_token(buyer=buyer)
    session = api.create_session(first_product(api, kind)["id"], "USD")
    expect(api.create_order(order_body(session), token, kind=kind), 200)
    [order] = orders_of(api, session)
    return api.control("POST", f"/orders/{order['id']}/pay", json={}), token


@scenario("subscriptions: a paid subscription is canceled to its period's end and reactivated by its buyer",
          control_plane=True)
def subscription_cancel_and_reactivate(ctx: Context):
    api = ctx.api
    paid, token = paid_order(ctx, "subscription", f"verify-member-{secrets.token_hex(3)}")
    order_id = paid["order"]["id"]
    check(paid["order"]["status"] == "active", "a paid subscription is not active", paid)
    canceled = expect(api.as_buyer("/v1/actions/subscription-order/cancel-order", {"orderId": order_id}, token), 200)
    check(canceled.json()["data"] == {"orderId": order_id, "status": "canceling"},
          "an active subscription's cancel-order does not answer canceling", canceled)
    reactivated = expect(api.as_buyer("/v1/actions/subscription-order/reactivate-order", {"orderId": order_id}, token), 200)
    check(reactivated.json()["data"] == {"orderId": order_id, "status": "active"},
          "reactivate-order does not answer active", reactivated)
    expect(api.as_buyer("/v1/actions/subscription-order/reactivate-order", {"orderId": order_id}, token), 400,
           "Only canceling subscriptions can be reactivated")


@scenario("refund tickets: a buyer's ticket on a paid order is pending review; once rejected, it is resubmitted",
          control_plane=True)
def refund_ticket(ctx: Context):
    api = ctx.api
    paid, token = paid_order(ctx, "onetime", f"verify-refund-{secrets.token_hex(3)}")
    payment = paid["payment"]
    ask = {"paymentId": payment["id"], "reason": "verify: not what I expected",
           "requestedAmount": {"amount": "1.00", "currency": payment["currency"]}}
    ticket = expect(api.as_buyer("/v1/actions/refund-ticket/create-ticket", ask, token), 200).json()["data"]["ticket"]
    check(ticket["status"] == "pending", "a buyer's new ticket is not pending review", ticket)
    api.control("POST", f"/refund-tickets/{ticket['id']}/review", json={"decision": "reject", "rejectReason": "verify"})
    again = expect(api.as_buyer("/v1/actions/refund-ticket/resubmit-ticket", {**ask, "ticketId": ticket["id"]}, token),
                   200).json()["data"]["ticket"]
    check((again["status"], again["versionNumber"]) == ("pending", 2), "a resubmitted ticket is not pending, version 2", again)


@scenario("trials: preview-trial answers a subscription's trial days, and 400 for a one-time session")
def preview_trial(ctx: Context):
    writes_catalog(ctx)
    api = ctx.api
    plan = api.create_product("subscription", metadata={"trialDays": 7})
    session = api.create_session(plan["id"], "USD")
    slug = {"X-Store-Slug": api.stores[0]["slug"], "X-Environment": api.environment}
    answer = expect(api.send("POST", "/v1/actions/checkout/preview-trial", json={"checkoutSessionId": session},
                             headers=slug), 200).json()["data"]
    check(answer == {"isEligible": True, "trialDays": 7}, "a visitor nobody knows is eligible for 7 days", answer)
    expect(api.send("POST", "/v1/actions/checkout/preview-trial", json={"checkoutSessionId": api.create_session()},
                    headers=slug), 400, "Session product type mismatch: expected subscription")


@scenario("plan change: a merchant's link opens a change page; the subscriber's own needs a self-service group",
          control_plane=True)
def plan_change(ctx: Context):
    writes_catalog(ctx)
    api = ctx.api
    current, target = api.create_product("subscription"), api.create_product("subscription")
    buyer = f"verify-{secrets.token_hex(3)}"
    token = api.issue_token(buyer=buyer)
    session = api.create_session(current["id"], "USD")
    expect(api.create_order(order_body(session), token, kind="subscription"), 200)
    [order] = orders_of(api, session)
    api.control("POST", f"/orders/{order['id']}/pay", json={})
    body = {"originOrderId": order["id"], "productId": target["id"], "currency": "USD"}
    link = expect(api.signed(CREATE_SESSION, body), 200).json()["data"]
    check(f"/change/{link['sessionId']}" in link["checkoutUrl"], "a plan change's URL is its change page", link)
    expect(api.as_buyer(CREATE_SESSION, body, token), 403, "Target plan is not in the same product group as the current plan")
    expect(api.signed("/v1/actions/subscription-product-group/create-group", {
        "storeId": api.stores[0]["id"], "name": "verify tiers", "rules": {"selfServicePlanChange": True},
        "productIds": [current["id"], target["id"]]}), 200)
    expect(api.as_buyer(CREATE_SESSION, body, token), 200)


@scenario("content safety: scan-prompt answers a redacted verdict")
def scan_prompt(ctx: Context):
    verdict = expect(ctx.api.signed("/v1/actions/verification/scan-prompt", {"prompt": "a cat riding a bike"}),
                     200).json()["data"]
    check(set(verdict) == {"action", "reasonCode", "matchedCategories", "requestId", "semanticStatus"}
          and verdict["action"] in ("allow", "review", "block"), "not the SDK's ScanResult", verdict)

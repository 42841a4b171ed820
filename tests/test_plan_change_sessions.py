"""Plan-change sessions: checkout/create-session with originOrderId, by merchant key and by the
subscriber's own session token, and what each may not do."""

from __future__ import annotations

import pytest

from support import error_of

SESSION = "/v1/actions/checkout/create-session"
GROUP = "/v1/actions/subscription-product-group/{}-group"
BILLING = {"country": "DE", "isBusiness": False}


def subscription(api, buyer="sub-1", plan=0):
    """A paid subscription order of `buyer` on the store's subscription product number `plan`."""
    product = api.products("subscription")[plan]
    token = api.issue_token(buyer=buyer)
    session = api.create_session(product["id"], "USD")
    made = api.create_order({"checkoutSessionId": session, "billingDetail": BILLING, "buyerEmail": f"{buyer}@example.com"},
                            token, kind="subscription")
    assert made.status_code == 200, made.text
    [order] = api.orders(session)
    paid = api.send("POST", f"/_mock/orders/{order['id']}/pay", json={})
    assert paid.status_code == 200, paid.text
    return paid.json()["order"]


def target(api, plan=1):
    return api.products("subscription")[plan]["id"]


def change(api, origin, product_id, **fields):
    return api.signed(SESSION, {"originOrderId": origin["id"], "productId": product_id, "currency": "USD", **fields})


def test_a_merchant_s_plan_change_link(api):
    origin = subscription(api)
    opened = change(api, origin, target(api), changeTiming="immediate", changeCreditAmount="8",
                    buyerEmail="other@example.com", billingDetail={"country": "US", "isBusiness": False, "state": "CA"})
    assert opened.status_code == 200, opened.text
    data = opened.json()["data"]
    assert data["checkoutUrl"].endswith(f"/store/{api.stores[0]['slug']}/change/{data['sessionId']}")
    record = api.session_record(data["sessionId"])
    assert record["buyerEmail"] == "sub-1@example.com"  # the subscription's buyer, not the request's
    assert record["billingDetail"] == {"country": "DE", "isBusiness": False}
    assert record["planChange"] == {"originOrderId": origin["id"], "timing": "immediate", "changeCreditAmount": "8.00"}

    # A plan-change session is not a purchase.
    token = api.issue_token(buyer="sub-1")
    ordered = api.create_order({"checkoutSessionId": data["sessionId"], "billingDetail": BILLING}, token,
                               kind="subscription")
    assert error_of(ordered) == (400, f"Session changes the plan of {origin['id']}: it is confirmed on its change "
                                      "page, not ordered")


@pytest.mark.parametrize("fields, expected", [
    ({"changeAmount": "5.00", "changeCreditAmount": "1.00"}, (400, "changeAmount and changeCreditAmount are mutually exclusive")),
    ({"changeAmount": "5.001"}, (400, "Invalid field: changeAmount has more decimals than USD allows")),
    ({"changeTiming": "tomorrow"}, (400, "Invalid field: changeTiming must be one of immediate, next_period")),
    ({"currency": "EUR"}, (400, "currency must be the subscription's: USD")),
])
def test_what_a_plan_change_refuses(api, fields, expected):
    assert error_of(change(api, subscription(api), target(api), **fields)) == expected


def test_the_origin_and_the_target_are_checked(api):
    origin = subscription(api)
    assert error_of(change(api, origin, origin["productId"])) == (400, "Target plan is the current plan")
    assert error_of(change(api, origin, api.product()["id"])) == (400, "Target plan must be a subscription product")
    other_store = api.products("subscription", 1)[0]["id"]
    assert error_of(change(api, origin, other_store)) == (403, "Product not in store")
    assert error_of(change(api, {"id": "ORD_" + "0" * 22}, target(api))) == (404, "Order not found")

    pending = api.create_order({"checkoutSessionId": api.create_session(target(api), "USD"), "billingDetail": BILLING,
                                "buyerEmail": "p@example.com"}, kind="subscription")
    assert pending.status_code == 200
    [waiting] = [order for order in api.orders() if order["status"] == "pending"]
    assert error_of(change(api, waiting, origin["productId"])) == (
        400, "Subscription plan cannot be changed, current status: pending")
    onetime = api.create_order({"checkoutSessionId": api.create_session(), "billingDetail": BILLING,
                                "buyerEmail": "o@example.com"})
    assert onetime.status_code == 200
    [bought] = [order for order in api.orders() if order["type"] == "onetime"]
    assert error_of(change(api, bought, target(api))) == (400, "originOrderId must be a subscription order")


def test_the_subscriber_s_own_plan_change(api):
    origin = subscription(api, buyer="sub-2")
    token = api.issue_token(buyer="sub-2")
    body = {"originOrderId": origin["id"], "productId": target(api), "currency": "USD", "changeTiming": "next_period"}
    assert error_of(api.as_buyer(SESSION, body, token)) == (
        403, "Target plan is not in the same product group as the current plan")
    group = api.signed(GROUP.format("create"), {"storeId": api.stores[0]["id"], "name": "Tiers",
                                                 "productIds": [origin["productId"], target(api)]})
    group_id = group.json()["data"]["group"]["id"]
    assert error_of(api.as_buyer(SESSION, body, token)) == (
        403, "Self-service plan change is not enabled for this product group")
    api.signed(GROUP.format("update"), {"id": group_id, "rules": {"selfServicePlanChange": True}})

    opened = api.as_buyer(SESSION, {**body, "changeAmount": "99.00", "metadata": {"k": "v"}, "expiresInSeconds": 60},
                          token)
    assert opened.status_code == 200, opened.text
    record = api.session_record(opened.json()["data"]["sessionId"])
    assert record["planChange"] == {"originOrderId": origin["id"], "timing": "next_period"}  # key-only fields dropped
    assert record["metadata"] == {}
    assert "/change/" in opened.json()["data"]["checkoutUrl"]

    stranger = api.issue_token(buyer="someone-else")
    assert error_of(api.as_buyer(SESSION, body, stranger)) == (403, "Subscription order does not belong to this credential")
    assert error_of(api.as_buyer(SESSION, {"productId": target(api), "currency": "USD"}, token)) == (
        403, "A session token opens plan-change sessions only: originOrderId is required")


def test_a_store_slug_opens_no_plan_change(api):
    origin = subscription(api)
    body = {"originOrderId": origin["id"], "productId": target(api), "currency": "USD"}
    by_slug = api.send("POST", SESSION, json=body, headers={"X-Store-Slug": api.stores[0]["slug"], "X-Environment": "test"})
    assert error_of(by_slug) == (403, "A plan change needs the subscriber: a store slug cannot open one")


def test_the_change_page_shows_what_the_session_changes(api):
    origin = subscription(api)
    data = change(api, origin, target(api), changeTiming="next_period", changeAmount="4.5").json()["data"]
    page = api.send("GET", data["checkoutUrl"].replace(api.base_url, ""), check=False)  # a page, not the API
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), page.text
    assert api.products("subscription")[1]["name"] in page.text
    assert 'data-timing="next_period"' in page.text and "Charged for the change: 4.50 USD" in page.text
    assert origin["id"] in page.text
    # A plan-change session is no purchase page, and a purchase is no change page.
    slug = api.stores[0]["slug"]
    assert api.send("GET", f"/store/{slug}/checkout/{data['sessionId']}", check=False).status_code == 404
    assert api.send("GET", f"/store/{slug}/change/{api.create_session()}", check=False).status_code == 404

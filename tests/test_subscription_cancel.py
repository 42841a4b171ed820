"""subscription-order/cancel-order (merchant key or the buyer's token) and reactivate-order (the
buyer's token), as the SDK's state machine draws them."""

from __future__ import annotations

from support import error_of

CANCEL = "/v1/actions/subscription-order/cancel-order"
REACTIVATE = "/v1/actions/subscription-order/reactivate-order"
BILLING = {"country": "DE", "isBusiness": False}


def subscription(api, buyer="member-1", paid=True):
    token = api.issue_token(buyer=buyer)
    session = api.create_session(api.product("subscription")["id"], "USD")
    made = api.create_order({"checkoutSessionId": session, "billingDetail": BILLING, "buyerEmail": "m@example.com"},
                            token, kind="subscription")
    assert made.status_code == 200, made.text
    [order] = api.orders(session)
    if paid:
        answer = api.send("POST", f"/_mock/orders/{order['id']}/pay", json={})
        assert answer.status_code == 200, answer.text
        order = answer.json()["order"]
    return order, token


def answer(response):
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_a_paid_subscription_is_active_and_cancels_at_period_end(api):
    order, token = subscription(api)
    assert order["status"] == "active"
    assert answer(api.as_buyer(CANCEL, {"orderId": order["id"]}, token)) == {"orderId": order["id"], "status": "canceling"}
    assert error_of(api.as_buyer(CANCEL, {"orderId": order["id"]}, token)) == (
        400, "Subscription cannot be canceled, current status: canceling")
    assert answer(api.as_buyer(REACTIVATE, {"orderId": order["id"]}, token)) == {"orderId": order["id"], "status": "active"}
    assert error_of(api.as_buyer(REACTIVATE, {"orderId": order["id"]}, token)) == (
        400, "Only canceling subscriptions can be reactivated")
    # The merchant cancels any subscription of its stores.
    assert answer(api.signed(CANCEL, {"orderId": order["id"]}))["status"] == "canceling"
    read = api.graphql("query ($id: ID!) { subscriptionOrder(id: $id) { status } }", {"id": order["id"]}).json()
    assert read["data"]["subscriptionOrder"]["status"] == "canceling"


def test_a_pending_subscription_is_canceled_with_its_payment(api):
    order, token = subscription(api, paid=False)
    assert answer(api.signed(CANCEL, {"orderId": order["id"]})) == {"orderId": order["id"], "status": "canceled"}
    detail = api.send("GET", f"/_mock/orders/{order['id']}").json()
    assert detail["status"] == "canceled" and [p["status"] for p in detail["payments"]] == ["canceled"]
    assert error_of(api.as_buyer(CANCEL, {"orderId": order["id"]}, token)) == (
        400, "Subscription cannot be canceled, current status: canceled")


def test_who_may_cancel_and_reactivate(api):
    order, _token = subscription(api)
    stranger = api.issue_token(buyer="member-2")
    assert error_of(api.as_buyer(CANCEL, {"orderId": order["id"]}, stranger)) == (403, "Order does not belong to user")
    assert error_of(api.as_buyer(REACTIVATE, {"orderId": order["id"]}, stranger)) == (403, "Order does not belong to user")
    assert error_of(api.signed(CANCEL, {"orderId": "ORD_" + "0" * 22})) == (404, "Order not found")
    assert error_of(api.signed(CANCEL, {"orderId": order["id"]}, environment="prod")) == (404, "Order not found")
    onetime = api.create_order({"checkoutSessionId": api.create_session(), "billingDetail": BILLING,
                                "buyerEmail": "o@example.com"})
    assert onetime.status_code == 200
    [bought] = [entry for entry in api.orders() if entry["type"] == "onetime"]
    assert error_of(api.signed(CANCEL, {"orderId": bought["id"]})) == (404, "Order not found")
    assert error_of(api.signed(REACTIVATE, {"orderId": order["id"]}))[0] == 401  # a buyer's action only

"""cancel-order: the buyer who made a pending one-time order cancels it, with the reference's answers;
its payment page then charges nothing."""

from __future__ import annotations

import re

import requests

CANCEL = "/v1/actions/onetime-order/cancel-order"
BILLING = {"country": "DE", "isBusiness": False}


def ordered(api, token: str) -> tuple[str, str]:
    """A pending order made with this token: its id and payment page."""
    session = api.create_session()
    answer = api.create_order({"checkoutSessionId": session, "buyerEmail": "b@example.com", "billingDetail": BILLING}, token)
    assert answer.status_code == 200, answer.text
    [order] = api.control("GET", "/orders", params={"checkoutSessionId": session})["orders"]
    return order["id"], answer.json()["data"]["checkoutUrl"]


def cancel(api, order_id: str, token: str, **options) -> requests.Response:
    return api.as_buyer(CANCEL, {"orderId": order_id}, token, **options)


def error(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["message"]


def status_of(api, order_id: str) -> str:
    [order] = [o for o in api.control("GET", "/orders", params={"limit": 1000})["orders"] if o["id"] == order_id]
    return order["status"]


def test_the_buyer_cancels_a_pending_order_and_its_page_charges_nothing(api):
    token = api.issue_token(buyer="ada")
    order_id, page_url = ordered(api, token)
    answer = cancel(api, order_id, token)
    assert answer.status_code == 200
    assert answer.json() == {"data": {"orderId": order_id, "status": "canceled"}}
    assert status_of(api, order_id) == "canceled"
    paid = requests.post(page_url, data={"cardNumber": "4242424242424242", "cardExpiry": "12/39", "cardCvc": "123"},
                         allow_redirects=False, timeout=10)
    assert paid.status_code == 200 and re.search(r'data-state="canceled"', paid.text)
    assert status_of(api, order_id) == "canceled"
    assert error(cancel(api, order_id, token)) == (400, "Order cannot be canceled, current status: canceled")


def test_a_paid_order_cannot_be_canceled(api):
    token = api.issue_token(buyer="ada")
    order_id, page_url = ordered(api, token)
    requests.post(page_url, data={"cardNumber": "4242424242424242", "cardExpiry": "12/39", "cardCvc": "123"},
                  allow_redirects=False, timeout=10)
    assert error(cancel(api, order_id, token)) == (400, "Order cannot be canceled, current status: completed")


def test_another_buyer_another_store_or_a_shopper_token_may_not(api):
    order_id, _ = ordered(api, api.issue_token(buyer="ada"))
    assert error(cancel(api, order_id, api.issue_token(buyer="bob"))) == (403, "Order does not belong to user")
    assert error(cancel(api, order_id, api.issue_token(buyer="ada", store=1))) == (403, "Order does not belong to user")
    assert error(cancel(api, order_id, api.issue_token(buyer="ada", role="shopper"))) == (403, "Order does not belong to user")
    assert status_of(api, order_id) == "pending"


def test_an_unknown_order_or_one_of_the_other_environment_is_not_found(api):
    token = api.issue_token(buyer="ada")
    order_id, _ = ordered(api, token)
    assert error(cancel(api, "ORD_" + "0" * 22, token)) == (404, "Order not found")
    assert error(cancel(api, order_id, api.issue_token(buyer="ada", environment="prod"), environment="prod")) \
        == (404, "Order not found")
    assert error(cancel(api, order_id, "not-a-token")) == (401, "Authentication failed")
    assert error(api.as_buyer(CANCEL, {}, token)) == (400, "Missing required field: orderId")

"""The seed endpoint, POST /v1/actions/onetime-order/create-order, row by row over real HTTP."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from support import error_of

ORDER = "/v1/actions/onetime-order/create-order"
US_CA = {"country": "US", "isBusiness": False, "state": "CA"}
DE_B2C = {"country": "DE", "isBusiness": False}


def order_body(session_id: str, **extra):
    return {"checkoutSessionId": session_id, "buyerEmail": "buyer@example.com", "billingDetail": US_CA, **extra}


# Each row of the seed's error table: (status, errors[0].message) exactly.

def test_invalid_json_body(api):
    response = api.create_order({}, raw=b'{"checkoutSessionId": ')
    assert error_of(response) == (400, "Invalid JSON body")


@pytest.mark.parametrize("raw", [b"", b"\xff\xfe{}", b"null", b"[1", b"{'a': 1}"])
def test_anything_but_json_is_an_invalid_body(api, raw):
    response = api.create_order({}, raw=raw)
    status, message = error_of(response)
    assert status == 400 and message in ("Invalid JSON body", "Invalid field: body must be an object")


def test_missing_checkout_session_id(api):
    assert error_of(api.create_order({"buyerEmail": "a@b.co"})) == (400, "Missing required field: checkoutSessionId")
    assert error_of(api.create_order({"checkoutSessionId": ""})) == (400, "Missing required field: checkoutSessionId")


def test_session_product_type_mismatch(api):
    session = api.create_session(api.product("subscription")["id"])
    response = api.create_order(order_body(session))
    assert error_of(response) == (400, "Session product type mismatch: expected onetime")


def test_subscription_endpoint_rejects_a_onetime_session(api):
    session = api.create_session()
    response = api.create_order(order_body(session), kind="subscription")
    assert error_of(response) == (400, "Session product type mismatch: expected subscription")


def test_environment_mismatch(api):
    session = api.create_session(environment="test")
    token = api.issue_token()
    response = api.create_order(order_body(session), token, environment="prod")
    assert error_of(response) == (400, "Environment mismatch between request and session")


def test_missing_billing_detail(api):
    session = api.create_session()
    response = api.create_order({"checkoutSessionId": session, "buyerEmail": "a@b.co"})
    assert error_of(response) == (400, "Missing billingDetail: provide in request body or pre-fill in checkout session")


@pytest.mark.parametrize("country", ["US", "CA", "us", " ca "])
def test_state_is_required_for_us_and_ca(api, country):
    session = api.create_session()
    response = api.create_order(order_body(session, billingDetail={"country": country, "isBusiness": False}))
    assert error_of(response) == (400, "State is required for US/CA")


def test_state_required_also_for_a_prefilled_billing_detail(api):
    body = {"productId": api.product()["id"], "currency": "USD",
            "billingDetail": {"country": "US", "isBusiness": False}}
    response = api.signed("/v1/actions/checkout/create-session", body)
    assert error_of(response) == (400, "State is required for US/CA")


def test_missing_buyer_email(api):
    session = api.create_session()
    response = api.create_order({"checkoutSessionId": session, "billingDetail": US_CA})
    assert error_of(response) == (400, "Missing buyerEmail: provide in request body or pre-fill in checkout session")


@pytest.mark.parametrize("token", ["not-a-token", "eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJ4In0.c2ln", "a.b.c"])
def test_authentication_failed(api, token):
    session = api.create_session()
    response = api.as_buyer(ORDER, order_body(session), token)
    assert error_of(response) == (401, "Authentication failed")


def test_authentication_failed_without_bearer(api):
    session = api.create_session()
    response = api.send("POST", ORDER, json=order_body(session), headers={"X-Environment": "test"})
    assert error_of(response) == (401, "Authentication failed")


def test_session_of_another_store(api):
    session = api.create_session(api.product(store=0)["id"])
    other_store_token = api.issue_token(storeId=api.stores[1]["id"])
    response = api.create_order(order_body(session), other_store_token)
    assert error_of(response) == (403, "Session does not belong to this store")


def test_unknown_session(api):
    response = api.create_order(order_body("cs_00000000-0000-4000-8000-000000000000"))
    assert error_of(response) == (409, "Checkout session invalid, please re-enter checkout")
    response = api.create_order(order_body("not a session id"))
    assert error_of(response) == (409, "Checkout session invalid, please re-enter checkout")


def test_expired_session(api):
    session = api.create_session(expiresInSeconds=1)
    time.sleep(1.2)
    response = api.create_order(order_body(session))
    assert error_of(response) == (409, "Checkout session invalid, please re-enter checkout")
    assert api.session_record(session)["status"] == "expired"


def test_used_session(api):
    session = api.create_session()
    assert api.create_order(order_body(session)).status_code == 200
    response = api.create_order(order_body(session))
    assert error_of(response) == (409, "Checkout session invalid, please re-enter checkout")
    assert len(api.orders(session)) == 1


def test_psp_failure_is_the_internal_error_row(api):
    session = api.create_session()
    api.psp_faults({"failNext": 1})
    response = api.create_order(order_body(session))
    assert error_of(response) == (500, "Internal server error")


def test_missing_or_invalid_environment_header(api):
    session = api.create_session()
    token = api.issue_token()
    for headers in ({"X-Environment": "staging"}, {"X-Environment": ""}):
        response = api.as_buyer(ORDER, order_body(session), token, headers=headers, check=False)
        assert error_of(response) == (400, "Missing or invalid header: X-Environment")
    response = api.send("POST", ORDER, json=order_body(session), headers={"Authorization": f"Bearer {token}"})
    assert error_of(response) == (400, "Missing or invalid header: X-Environment")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"checkoutSessionId": 42}, "Invalid field: checkoutSessionId must be a string"),
        ({"checkoutSessionId": "cs_x", "billingDetail": "US"}, "Invalid field: billingDetail must be an object"),
        ({"checkoutSessionId": "cs_x", "billingDetail": {"isBusiness": False}}, "Missing required field: billingDetail.country"),
        ({"checkoutSessionId": "cs_x", "billingDetail": {"country": "US", "isBusiness": "no"}},
         "Invalid field: billingDetail.isBusiness must be a boolean"),
        ({"checkoutSessionId": "cs_x", "buyerEmail": ["a@b.co"]}, "Invalid field: buyerEmail must be a string"),
    ],
)
def test_wrong_types_are_400_in_the_envelope(api, body, message):
    assert error_of(api.create_order(body)) == (400, message)


def test_no_error_writes_anything(api):
    session = api.create_session()
    api.create_order({"checkoutSessionId": session, "billingDetail": {"country": "US", "isBusiness": False}})
    api.create_order({"checkoutSessionId": session, "billingDetail": US_CA})
    assert api.orders() == []
    assert api.session_record(session)["status"] == "open"
    assert api.session_record(session)["buyerEmail"] is None


# The success path.

def test_happy_path(api):
    product = api.product()
    session = api.create_session(product["id"], "USD")
    response = api.create_order(order_body(session, buyerIp="198.51.100.7"))
    assert response.status_code == 200, response.text
    checkout_url = response.json()["data"]["checkoutUrl"]
    assert checkout_url.startswith(f"{api.base_url}/psp/checkout/")

    [order] = api.orders(session)
    assert order["status"] == "pending"
    assert order["id"].startswith("ORD_") and len(order["id"]) == 26
    assert order["checkoutSessionId"] == session
    assert order["storeId"] == api.stores[0]["id"]
    assert order["environment"] == "test"
    assert order["checkoutUrl"] == checkout_url
    assert order["buyerIp"] == "198.51.100.7"
    snapshot = order["priceSnapshot"]
    assert snapshot["currency"] == "USD"
    assert snapshot["subtotal"] == product["prices"]["USD"]["amount"]
    assert snapshot["taxCategory"] == product["prices"]["USD"]["taxCategory"]
    assert Decimal(snapshot["total"]) == Decimal(snapshot["subtotal"]) + Decimal(snapshot["taxAmount"])

    [call] = api.psp_calls()
    assert call["outcome"] == "succeeded" and call["checkoutUrl"] == checkout_url
    assert call["request"]["amount"] == snapshot["total"] and call["request"]["currency"] == "USD"
    assert call["request"]["orderId"] == order["id"] and call["request"]["paymentId"] == order["paymentId"]
    assert api.session_record(session)["status"] == "completed"


def test_body_store_product_and_currency_are_ignored(api):
    session = api.create_session(api.product()["id"], "EUR")
    other = api.product(store=1)
    response = api.create_order(order_body(session, storeId=api.stores[1]["id"], productId=other["id"], currency="JPY"))
    assert response.status_code == 200, response.text
    [order] = api.orders(session)
    assert (order["storeId"], order["productId"], order["currency"]) == (api.stores[0]["id"], api.product()["id"], "EUR")


def test_body_success_url_overrides_the_session(api):
    session = api.create_session(successUrl="https://shop.example/session-thanks")
    assert api.create_order(order_body(session, successUrl="https://shop.example/order-thanks")).status_code == 200
    assert api.orders(session)[0]["successUrl"] == "https://shop.example/order-thanks"
    assert api.psp_calls()[-1]["request"]["successUrl"] == "https://shop.example/order-thanks"


def test_session_success_url_is_kept_without_override(api):
    session = api.create_session(successUrl="https://shop.example/session-thanks")
    assert api.create_order(order_body(session)).status_code == 200
    assert api.orders(session)[0]["successUrl"] == "https://shop.example/session-thanks"


def test_prefilled_session_needs_no_billing_or_email(api):
    session = api.create_session(buyerEmail="Pre@Fill.Example", billingDetail=DE_B2C)
    response = api.create_order({"checkoutSessionId": session})
    assert response.status_code == 200, response.text
    [order] = api.orders(session)
    assert order["buyerEmail"] == "pre@fill.example"
    assert order["billingDetail"]["country"] == "DE"


def test_subscription_order(api):
    product = api.product("subscription")
    session = api.create_session(product["id"], "GBP")
    response = api.create_order(order_body(session, billingDetail={"country": "GB", "isBusiness": False}),
                                kind="subscription")
    assert response.status_code == 200, response.text
    [order] = api.orders(session)
    assert order["type"] == "subscription" and order["currency"] == "GBP"


def test_prod_environment_end_to_end(api):
    session = api.create_session(environment="prod")
    token = api.issue_token(environment="prod")
    response = api.create_order(order_body(session), token, environment="prod")
    assert response.status_code == 200, response.text
    assert api.orders(session)[0]["environment"] == "prod"

"""Merchant RSA signatures, session-token roles and store slugs, as the real gateway checks them."""

from __future__ import annotations

import json
import time

import pytest

from support import error_of

TOKEN = "/v1/actions/auth/issue-session-token"
SESSION = "/v1/actions/checkout/create-session"
ORDER = "/v1/actions/onetime-order/create-order"
US_CA = {"country": "US", "isBusiness": False, "state": "CA"}


def _token_body(api):
    return {"buyerIdentity": "b@example.com", "storeId": api.stores[0]["id"]}


def test_valid_signature(api):
    response = api.signed(TOKEN, _token_body(api))
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["token"].count(".") == 2  # JWT-shaped


@pytest.mark.parametrize("header", ["X-Merchant-Id", "X-Timestamp", "X-Signature"])
def test_missing_signature_header(api, header):
    body = json.dumps(_token_body(api)).encode()
    response = api.signed(TOKEN, None, raw=body, headers={header: ""}, check=False)
    assert error_of(response) == (401, f"Missing required header: {header}")


def test_tampered_body_fails_the_signature(api):
    signed = json.dumps(_token_body(api)).encode()
    stamp = str(int(time.time()))
    from pancake_mock.adapters import keys
    signature = keys.sign(api.private_key(), keys.canonical_request("POST", TOKEN, stamp, signed))
    tampered = signed.replace(b"b@example.com", b"x@example.com")
    headers = {"Content-Type": "application/json", "X-Merchant-Id": api.merchant_id, "X-Timestamp": stamp, "X-Signature": signature}
    assert error_of(api.send("POST", TOKEN, content=tampered, headers=headers)) == (401, "Invalid signature")


def test_signature_is_bound_to_the_path(api):
    stamp = str(int(time.time()))
    body = json.dumps({"productId": api.product()["id"], "currency": "USD"}).encode()
    from pancake_mock.adapters import keys
    signature = keys.sign(api.private_key(), keys.canonical_request("POST", TOKEN, stamp, body))
    headers = {"Content-Type": "application/json", "X-Merchant-Id": api.merchant_id, "X-Timestamp": stamp, "X-Signature": signature}
    assert error_of(api.send("POST", SESSION, content=body, headers=headers)) == (401, "Invalid signature")


@pytest.mark.parametrize("offset", [-16 * 60, 120])
def test_timestamp_window(api, offset):
    response = api.signed(TOKEN, _token_body(api), timestamp=int(time.time()) + offset)
    assert error_of(response) == (401, "Request timestamp outside the allowed window")


def test_old_but_inside_window_and_milliseconds_are_accepted(api):
    assert api.signed(TOKEN, _token_body(api), timestamp=int(time.time()) - 10 * 60).status_code == 200
    assert api.signed(TOKEN, _token_body(api), timestamp=int(time.time() * 1000)).status_code == 200


@pytest.mark.parametrize("stamp", ["abc", "-5", "99999999999999999", "1e9", "17000000000.5"])
def test_malformed_timestamp(api, stamp):
    body = json.dumps(_token_body(api)).encode()
    response = api.signed(TOKEN, None, raw=body, headers={"X-Timestamp": stamp}, check=False)
    assert error_of(response) == (401, "Request timestamp outside the allowed window")


def test_unknown_or_malformed_merchant(api):
    body = _token_body(api)
    response = api.signed(TOKEN, body, headers={"X-Merchant-Id": "MER_" + "A" * 22})
    assert error_of(response) == (401, "Invalid signature")
    response = api.signed(TOKEN, body, headers={"X-Merchant-Id": "merchant-1"})
    assert error_of(response) == (401, "Invalid X-Merchant-Id")


def test_garbage_signature(api):
    assert error_of(api.signed(TOKEN, _token_body(api), headers={"X-Signature": "%%%not-base64"})) == (401, "Invalid signature")


def test_key_decides_the_environment(api):
    session = api.create_session(environment="prod")
    assert api.session_record(session)["environment"] == "prod"
    session = api.create_session(environment="test")
    assert api.session_record(session)["environment"] == "test"


def test_token_scope_rules(api):
    assert error_of(api.signed(TOKEN, {"buyerIdentity": "x"})) == (400, "Missing required field: provide storeId or productId")
    assert error_of(api.signed(TOKEN, {"storeId": api.stores[0]["id"]})) == (400, "Missing required field: buyerIdentity")
    assert error_of(api.signed(TOKEN, {"buyerIdentity": "x", "storeId": "STO_" + "Z" * 22})) == (404, "Store not found")
    assert error_of(api.signed(TOKEN, {"buyerIdentity": "x", "storeId": "store-1"})) == (400, "Expected format: STO_xxx")
    other_store_product = api.product(store=1)["id"]
    response = api.signed(TOKEN, {"buyerIdentity": "x", "storeId": api.stores[0]["id"], "productId": other_store_product})
    assert error_of(response) == (403, "Product not in store")


def test_token_from_product_is_scoped_to_its_store(api):
    token = api.issue_token(productId=api.product(store=1)["id"])
    session = api.create_session(api.product(store=1)["id"])
    assert api.create_order({"checkoutSessionId": session, "buyerEmail": "a@b.co", "billingDetail": US_CA}, token).status_code == 200


def test_shopper_token_is_single_use(api):
    token = api.issue_token(role="shopper")
    first, second = api.create_session(), api.create_session()
    body = {"buyerEmail": "a@b.co", "billingDetail": US_CA}
    assert api.create_order({"checkoutSessionId": first, **body}, token).status_code == 200
    assert error_of(api.create_order({"checkoutSessionId": second, **body}, token)) == (401, "Authentication failed")


def test_shopper_token_lives_one_minute_and_customer_five(api):
    for role, minutes in (("shopper", 1), ("customer", 5)):
        before = time.time()
        response = api.signed(TOKEN, {**_token_body(api), "role": role})
        expires = response.json()["data"]["expiresAt"]
        from datetime import datetime
        remaining = datetime.fromisoformat(expires.replace("Z", "+00:00")).timestamp() - before
        assert minutes * 60 - 5 < remaining <= minutes * 60 + 1, (role, remaining)


def test_customer_token_is_reusable(api):
    token = api.issue_token()
    for _ in range(3):
        session = api.create_session()
        assert api.create_order({"checkoutSessionId": session, "buyerEmail": "a@b.co", "billingDetail": US_CA}, token).status_code == 200


def test_token_of_another_mock_or_tampered(api):
    token = api.issue_token()
    header, payload, signature = token.split(".")
    forged = ".".join([header, payload, signature[::-1]])
    session = api.create_session()
    response = api.create_order({"checkoutSessionId": session, "buyerEmail": "a@b.co", "billingDetail": US_CA}, forged)
    assert error_of(response) == (401, "Authentication failed")


def test_store_slug_creates_sessions_but_drops_key_only_fields(api):
    store = api.stores[0]
    body = {"productId": api.product()["id"], "currency": "USD", "expiresInSeconds": 60,
            "metadata": {"k": "v"}, "priceSnapshot": {"amount": "0.01", "taxCategory": "saas"},
            "buyerEmail": "Slug@Example.com"}
    response = api.send("POST", SESSION, json=body, headers={"X-Store-Slug": store["slug"], "X-Environment": "test"})
    assert response.status_code == 200, response.text
    record = api.session_record(response.json()["data"]["sessionId"])
    assert record["price"] == api.product()["prices"]["USD"]
    assert record["metadata"] == {}
    assert record["buyerEmail"] == "slug@example.com"


def test_store_slug_needs_environment_and_a_real_slug(api):
    body = {"productId": api.product()["id"], "currency": "USD"}
    slug = api.stores[0]["slug"]
    assert error_of(api.send("POST", SESSION, json=body, headers={"X-Store-Slug": slug})) == (400, "Missing or invalid header: X-Environment")
    response = api.send("POST", SESSION, json=body, headers={"X-Store-Slug": "no-such-store", "X-Environment": "test"})
    assert error_of(response) == (401, "Unauthorized")
    other = {"productId": api.product(store=1)["id"], "currency": "USD"}
    response = api.send("POST", SESSION, json=other, headers={"X-Store-Slug": slug, "X-Environment": "test"})
    assert error_of(response) == (403, "Product not in store")


def test_no_credentials_at_all(api):
    assert error_of(api.send("POST", SESSION, json={"productId": api.product()["id"], "currency": "USD"}))[0] == 401
    assert error_of(api.send("POST", TOKEN, json=_token_body(api))) == (401, "Missing required header: X-Merchant-Id")

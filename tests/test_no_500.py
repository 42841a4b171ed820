"""Every input that once answered 500 (issue 7, section 2) now answers a 4xx in the envelope, or works."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from pancake_mock.adapters import keys
from support import error_of

SESSION = "/v1/actions/checkout/create-session"
PRODUCT = "/v1/actions/onetime-product/create-product"
PREVIEW = "/v1/actions/checkout/preview-tax"
NY = {"country": "US", "isBusiness": False, "state": "NY"}
DE = {"country": "DE", "isBusiness": False}


def _signed_without_content_type(api, path: str, body: dict) -> httpx.Response:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    headers = {"X-Merchant-Id": api.merchant_id, "X-Timestamp": stamp,
               "X-Signature": keys.sign(api.private_key(), keys.canonical_request("POST", path, stamp, raw))}
    # httpx adds no Content-Type for raw content, as `requests.post(data=...)` does not either.
    return httpx.post(api.base_url + path, content=raw, headers=headers)


def test_a_json_body_without_content_type_is_read_as_json(api):
    response = _signed_without_content_type(api, SESSION, {"productId": api.product()["id"], "currency": "USD"})
    assert "content-type" not in {name.lower() for name in response.request.headers}
    assert response.status_code == 200, response.text
    for path, body in (("/_mock/psp/faults", {"failNext": 0}), ("/_mock/clock", {"advanceSeconds": 0})):
        answer = httpx.put(api.base_url + path, content=json.dumps(body).encode())
        assert answer.status_code == 200, (path, answer.text)


def test_another_content_type_is_415(api):
    answer = httpx.put(f"{api.base_url}/_mock/clock", content=b'{"advanceSeconds": 1}', headers={"Content-Type": "text/plain"})
    assert error_of(answer) == (415, "Content-Type must be application/json")


def _product(api, amount: str):
    return api.signed(PRODUCT, {"storeId": api.stores[0]["id"], "name": "Big",
                                "prices": {"USD": {"amount": amount, "taxCategory": "saas"},
                                           "EUR": {"amount": amount, "taxCategory": "saas"}}}, check=False)


@pytest.mark.parametrize("amount", ["99999999999999999999999999.99", "9" * 40, "1234567890123.00", "1.123456789"])
def test_amounts_beyond_the_contract_are_400(api, amount):
    assert error_of(_product(api, amount)) == (400, 'Invalid field: prices.EUR.amount must be a decimal string such as "29.00"')


def test_the_largest_amount_the_contract_accepts_is_taxed_and_ordered(api):
    largest = "999999999999.99"
    product = _product(api, largest)
    assert product.status_code == 200, product.text
    product_id = product.json()["data"]["product"]["id"]
    for currency, billing in (("USD", NY), ("EUR", DE)):
        session = api.create_session(product_id, currency)
        quote = api.send("POST", PREVIEW, json={"checkoutSessionId": session, "billingDetail": billing},
                         headers={"X-Store-Slug": api.stores[0]["slug"], "X-Environment": "test"})
        assert quote.status_code == 200, quote.text
        assert quote.json()["data"]["subtotal"] == largest
        order = api.create_order({"checkoutSessionId": session, "buyerEmail": "big@example.com", "billingDetail": billing})
        assert order.status_code == 200, order.text


@pytest.mark.parametrize("raw", [b'{"failProbability": NaN}', b'{"failProbability": Infinity}',
                                 b'{"latencyMs": -Infinity}', b'{"failProbability": 1e400}'])
def test_non_json_numbers_are_400(api, raw):
    answer = httpx.put(f"{api.base_url}/_mock/psp/faults", content=raw, headers={"Content-Type": "application/json"})
    assert error_of(answer) == (400, "Invalid JSON body")
    clock = httpx.put(f"{api.base_url}/_mock/clock", content=raw.replace(b"failProbability", b"advanceSeconds")
                      .replace(b"latencyMs", b"advanceSeconds"), headers={"Content-Type": "application/json"})
    assert error_of(clock) == (400, "Invalid JSON body")


@pytest.mark.parametrize("seed", [2**63, -(2**63) - 1, 10**30])
def test_integers_beyond_64_bits_are_400(api, seed):
    answer = api.send("PUT", "/_mock/psp/faults", json={"failProbability": 0.5, "seed": seed}, check=False)
    assert error_of(answer)[0] == 400
    assert api.send("PUT", "/_mock/psp/faults", json={"failProbability": 0.5, "seed": 2**63 - 1}).status_code == 200


def test_control_characters_in_a_path_are_a_404(api):
    for path in ("/_mock/checkout-sessions/a%0Ab", "/_mock/checkout-sessions/%0D%0A", "/_mock/checkout-sessions/a%09"):
        assert error_of(api.send("GET", path, check=False)) == (404, "Not found")


def test_a_trailing_slash_is_a_404_and_never_a_redirect(api):
    for method, path in (("POST", SESSION + "/"), ("GET", "/_mock/orders/"), ("POST", "/_mock/reset/")):
        answer = httpx.request(method, api.base_url + path, headers={"Host": "evil.example"}, follow_redirects=False)
        assert "location" not in answer.headers
        assert error_of(answer) == (404, "Not found"), (method, path)

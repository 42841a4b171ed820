"""Bad input gets a clear error in the envelope, loses nothing, and never a 500."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from pancake_mock.adapters import keys
from support import error_of

TOKEN = "/v1/actions/auth/issue-session-token"
ORDER = "/v1/actions/onetime-order/create-order"


def test_chunked_signed_body(api):
    body = json.dumps({"buyerIdentity": "chunk@example.com", "storeId": api.stores[0]["id"]}).encode()
    stamp = str(int(time.time()))
    signature = keys.sign(api.private_key(), keys.canonical_request("POST", TOKEN, stamp, body))
    headers = {"Content-Type": "application/json", "X-Merchant-Id": api.merchant_id,
               "X-Timestamp": stamp, "X-Signature": signature}
    chunks = iter([body[:10], body[10:]])
    response = api.send("POST", TOKEN, content=chunks, headers=headers, check=False)
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 200, response.text


def test_non_json_content_type(api):
    token = api.issue_token()
    response = api.as_buyer(ORDER, None, token, raw=b"checkoutSessionId=cs_1",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert error_of(response) == (415, "Content-Type must be application/json")


def test_json_with_charset_is_json(api):
    session = api.create_session()
    body = {"checkoutSessionId": session, "buyerEmail": "a@b.co", "billingDetail": {"country": "DE", "isBusiness": False}}
    response = api.create_order(body, headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 200, response.text


def test_unknown_path_and_wrong_method(api):
    assert error_of(api.send("POST", "/v1/actions/nope", json={}, check=False)) == (404, "Not found")
    response = api.send("GET", ORDER, check=False)
    assert error_of(response) == (405, "Method not allowed")
    assert response.headers["allow"] == "POST"


def test_oversized_body(api):
    token = api.issue_token()
    response = api.as_buyer(ORDER, None, token, raw=b"{\"x\": \"" + b"a" * (1024 * 1024) + b"\"}")
    assert error_of(response) == (413, "Request body too large")


def test_deeply_nested_json(api):
    raw = b'{"checkoutSessionId": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, message = error_of(api.create_order({}, raw=raw))
    assert status == 400


MARKER = "ZQX\nINJECT<>\"'"


@pytest.mark.parametrize(
    "body",
    [
        {"checkoutSessionId": MARKER},
        {"checkoutSessionId": "cs_1", "buyerEmail": MARKER},
        {"checkoutSessionId": "cs_1", "billingDetail": {"country": MARKER, "isBusiness": False}},
        {"checkoutSessionId": "cs_1", "billingDetail": {"country": "US", "isBusiness": False, "state": MARKER}},
        {"checkoutSessionId": "cs_1", "successUrl": MARKER},
        {MARKER: 1},
        {"checkoutSessionId": {MARKER: MARKER}},
    ],
)
def test_errors_never_echo_input(api, body):
    session = api.create_session()
    if body.get("checkoutSessionId") == "cs_1":
        body = {**body, "checkoutSessionId": session, "buyerEmail": body.get("buyerEmail", "a@b.co"),
                "billingDetail": body.get("billingDetail", {"country": "DE", "isBusiness": False})}
    response = api.create_order(body)
    text = response.text
    assert "ZQX" not in text and "INJECT" not in text
    if response.status_code != 200:
        message = error_of(response)[1]
        assert "\n" not in message and message.strip() == message


def test_errors_in_created_session_fields_never_echo(api):
    response = api.signed("/v1/actions/checkout/create-session",
                          {"productId": api.product()["id"], "currency": "USD", "metadata": {MARKER: 5}})
    assert "ZQX" not in response.text and error_of(response)[0] == 400


def test_a_failed_request_changes_nothing(api):
    before = httpx.get(f"{api.base_url}/_mock/orders").json()
    session = api.create_session()
    api.create_order({"checkoutSessionId": session, "billingDetail": {"country": "XX", "isBusiness": False}, "buyerEmail": "a@b.co"})
    assert httpx.get(f"{api.base_url}/_mock/orders").json() == before
    assert api.session_record(session)["status"] == "open"


@pytest.mark.parametrize("raw", [b'{"checkoutSessionId": "cs_\\u0000x"}', b'{"checkoutSessionId": "\\ud8d7"}',
                                 b'{"checkoutSessionId": "cs_1", "billingDetail": {"country": "\\ud8d7", "isBusiness": false}}'])
def test_text_no_store_can_hold_is_a_400(api, raw):
    assert error_of(api.create_order({}, raw=raw)) == (400, "Invalid JSON body: text must be Unicode without NUL characters")


def test_what_the_contract_has_no_place_for_is_ignored_whatever_it_holds(api):
    """The contract allows undeclared properties, and nothing reads them: their text may be anything."""
    session = api.create_session()
    body = {"checkoutSessionId": session, "buyerEmail": "a@b.co", "billingDetail": {"country": "DE", "isBusiness": False,
            "\x00odd": "\ud8d7"}, "\x00": ["\x00"]}
    answer = api.create_order(None, raw=json.dumps(body).encode())
    assert answer.status_code == 200, answer.text


def test_control_plane_lookups_with_unstorable_text_find_nothing(api):
    assert api.orders("cs_\x00") == []
    assert error_of(api.send("GET", "/_mock/checkout-sessions/cs_%00")) == (404, "Not found")

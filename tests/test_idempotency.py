"""X-Idempotency-Key: replay a 2xx for 24 h, 409 while in flight, free the key after a failure."""

from __future__ import annotations

import threading
import time

from support import error_of

SESSION = "/v1/actions/checkout/create-session"
US_OR = {"country": "US", "isBusiness": False, "state": "OR"}


def test_replay_returns_the_first_answer_without_running_again(api):
    body = {"productId": api.product()["id"], "currency": "USD"}
    first = api.signed(SESSION, body, headers={"X-Idempotency-Key": "MER-cart-42"})
    again = api.signed(SESSION, body, headers={"X-Idempotency-Key": "MER-cart-42"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["x-idempotent-replayed"] == "true"
    other = api.signed(SESSION, body, headers={"X-Idempotency-Key": "MER-cart-43"})
    assert other.json()["data"]["sessionId"] != first.json()["data"]["sessionId"]


def test_sdk_derived_hex_keys_are_accepted(api):
    key = "a" * 64
    body = {"productId": api.product()["id"], "currency": "EUR"}
    assert api.signed(SESSION, body, headers={"X-Idempotency-Key": key}).status_code == 200


def test_keys_belong_to_one_caller(api):
    body = {"productId": api.product()["id"], "currency": "USD"}
    test = api.signed(SESSION, body, headers={"X-Idempotency-Key": "shared"})
    prod = api.signed(SESSION, body, environment="prod", headers={"X-Idempotency-Key": "shared"})
    assert test.json()["data"]["sessionId"] != prod.json()["data"]["sessionId"]


def test_malformed_key_is_400(api):
    body = {"productId": api.product()["id"], "currency": "USD"}
    for key in ("has space", "x" * 257, "ümlaut".encode()):
        response = api.signed(SESSION, body, headers={"X-Idempotency-Key": key}, check=False)
        assert error_of(response) == (400, "Invalid X-Idempotency-Key: at most 256 characters of [A-Za-z0-9_-]")


def test_a_failure_frees_the_key_and_a_create_order_retry_runs(api):
    session = api.create_session()
    token = api.issue_token()
    body = {"checkoutSessionId": session, "buyerEmail": "a@b.co", "billingDetail": US_OR}
    api.psp_faults({"failNext": 1})
    failed = api.create_order(body, token, headers={"X-Idempotency-Key": "order-1"})
    assert error_of(failed) == (500, "Internal server error")
    retried = api.create_order(body, token, headers={"X-Idempotency-Key": "order-1"})
    assert retried.status_code == 200 and "x-idempotent-replayed" not in retried.headers
    replayed = api.create_order(body, token, headers={"X-Idempotency-Key": "order-1"})
    assert replayed.json() == retried.json() and replayed.headers["x-idempotent-replayed"] == "true"
    assert len(api.orders(session)) == 1


def test_same_key_in_flight_is_409(api):
    session = api.create_session()
    token = api.issue_token()
    body = {"checkoutSessionId": session, "buyerEmail": "a@b.co", "billingDetail": US_OR}
    api.psp_faults({"latencyMs": 1500})
    results = {}

    def slow():
        results["first"] = api.create_order(body, token, headers={"X-Idempotency-Key": "slow-1"})

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.5)
    second = api.create_order(body, token, headers={"X-Idempotency-Key": "slow-1"})
    worker.join()
    assert results["first"].status_code == 200
    assert error_of(second) == (409, "Idempotent request is already being processed")


def test_the_key_is_settled_before_the_client_sees_the_answer(api):
    # Retrying the instant an answer arrives must find the key freed (after a failure) or kept
    # (after a success), never still "in flight".
    token = api.issue_token()
    for attempt in range(20):
        session = api.create_session()
        body = {"checkoutSessionId": session, "buyerEmail": "a@b.co", "billingDetail": US_OR}
        api.psp_faults({"failNext": 1})
        statuses = [api.create_order(body, token, headers={"X-Idempotency-Key": f"hammer-{attempt}"}).status_code
                    for _ in range(3)]
        assert statuses == [500, 200, 200], (attempt, statuses)

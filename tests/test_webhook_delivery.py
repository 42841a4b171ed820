"""Webhook delivery: a paid order's `order.completed` reaches the store's endpoints signed, as the
contract's `webhooks` describe it, off the request path; failed attempts are retried on the
business clock with the same signature; the outbox survives restarts and `kill -9`."""

from __future__ import annotations

import json
import time
from datetime import datetime

import jsonschema
import pytest

from conftest import BACKENDS
from pancake_mock import contract
from pancake_mock.adapters import keys
from receiver import Receiver
from support import MockServer, free_port

ADD = "/v1/actions/store/add-webhook"
BILLING = {"country": "DE", "isBusiness": False}
FIRST_RETRY, SECOND_RETRY, LAST_RETRY = 13, 149, 1809  # seconds: just past e^2.5, e^5, e^7.5
_API = contract.load(contract.API_SPEC)
EVENT_SCHEMA = jsonschema.Draft202012Validator(
    {**_API, "$ref": "#/webhooks/order.completed/post/requestBody/content/application~1json/schema"},
    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def register(api, url: str, **fields) -> dict:
    body = {"storeId": api.stores[0]["id"], "channel": "http", "url": url, "events": ["order.completed"],
            "testMode": True, **fields}
    answer = api.signed(ADD, body)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["webhook"]


def pending_order(api, environment: str = "test") -> dict:
    session = api.create_session(environment=environment)
    answer = api.create_order({"checkoutSessionId": session, "buyerEmail": "hook@example.com", "billingDetail": BILLING},
                              api.issue_token(environment=environment), environment=environment)
    assert answer.status_code == 200, answer.text
    [order] = api.control("GET", "/orders", params={"checkoutSessionId": session})["orders"]
    return order


def pay(api, order: dict) -> dict:
    return api.control("POST", f"/orders/{order['id']}/pay", json={})["payment"]


def deliveries(api, **params) -> list[dict]:
    return api.control("GET", "/webhooks/deliveries", params=params)["deliveries"]


def delivery(api, delivery_id: str) -> dict:
    return api.control("GET", f"/webhooks/deliveries/{delivery_id}")


def settled(api, delivery_id: str, attempts: int, timeout: float = 20) -> dict:
    """The delivery once `attempts` attempts are recorded."""
    deadline = time.monotonic() + timeout
    while True:
        found = delivery(api, delivery_id)
        if len(found["attempts"]) >= attempts:
            return found
        assert time.monotonic() < deadline, f"{attempts} attempts not recorded within {timeout} s: {found}"
        time.sleep(0.05)


def advance(api, seconds: float) -> None:
    api.control("PUT", "/clock", json={"advanceSeconds": seconds})


def signed_by(public_pem: str, header: str, body: str) -> int:
    """The `t` of a valid X-Waffo-Signature over this body (fails on an invalid one)."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    assert keys.verify(public_pem, f"{fields['t']}.{body}".encode(), fields["v1"]), "the signature does not verify"
    return int(fields["t"])


def test_a_paid_order_is_delivered_signed_as_the_contract_says(api):
    with Receiver.running() as receiver:
        webhook = register(api, receiver.url)
        order = pending_order(api)
        before = time.time() * 1000
        payment = pay(api, order)
        [request] = receiver.wait_for(1)

    public_keys = api.control("GET", "/webhooks/public-keys")
    assert public_keys == api.credentials["webhookPublicKey"]
    t = signed_by(public_keys["test"], request.headers["x-waffo-signature"], request.body)
    assert before - 1000 <= t <= time.time() * 1000
    with pytest.raises(AssertionError):
        signed_by(public_keys["prod"], request.headers["x-waffo-signature"], request.body)
    assert request.headers["x-waffo-event"] == "order.completed"
    assert request.headers["content-type"] == "application/json"

    event = json.loads(request.body)
    EVENT_SCHEMA.validate(event)
    snapshot = order["priceSnapshot"]
    assert {k: event[k] for k in ("id", "eventType", "eventId", "storeId", "mode")} == {
        "id": payment["id"], "eventType": "order.completed", "eventId": payment["id"],
        "storeId": api.stores[0]["id"], "mode": "test"}
    assert event["storeName"] == api.stores[0]["name"]
    data = event["data"]
    assert {k: data[k] for k in ("orderId", "orderStatus", "buyerEmail", "currency", "paymentId", "paymentStatus",
                                 "paymentMethod", "paymentLast4", "chargedAmount", "amount", "total")} == {
        "orderId": order["id"], "orderStatus": "completed", "buyerEmail": "hook@example.com",
        "currency": order["currency"], "paymentId": payment["id"], "paymentStatus": "succeeded",
        "paymentMethod": "card", "paymentLast4": "4242", "chargedAmount": payment["amount"],
        "amount": payment["amount"], "total": snapshot["total"]}
    assert data["listPrice"] == {"total": snapshot["total"], "subtotal": snapshot["subtotal"],
                                 "taxAmount": snapshot["taxAmount"], "taxRate": 19, "taxName": "VAT"}
    assert data["taxRate"] == 0.19 and data["billingDetail"] == BILLING
    assert data["merchantProvidedBuyerIdentity"] == "verify-buyer"
    assert data["paymentDate"] == event["timestamp"][:10]
    assert not any(value is None for value in data.values())  # absent, never null

    [logged] = deliveries(api)
    record = settled(api, logged["id"], 1)
    assert {k: record[k] for k in ("webhookId", "eventType", "eventId", "status", "attemptCount", "signedAt", "body")} == {
        "webhookId": webhook["id"], "eventType": "order.completed", "eventId": payment["id"], "status": "success",
        "attemptCount": 1, "signedAt": t, "body": request.body}
    [attempt] = record["attempts"]
    assert attempt["statusCode"] == 200 and attempt["responseBody"] == "answer 200" and attempt["error"] is None


def test_endpoints_get_the_events_of_their_environment_they_subscribe_to(api):
    with Receiver.running() as test_mode, Receiver.running() as prod_mode, Receiver.running() as other_events:
        register(api, test_mode.url)
        register(api, prod_mode.url, testMode=False)
        register(api, other_events.url, events=["refund.succeeded"])
        register(api, other_events.url, storeId=api.stores[1]["id"])  # another store's endpoint
        in_test = pay(api, pending_order(api, "test"))
        in_prod = pay(api, pending_order(api, "prod"))
        [test_event] = test_mode.wait_for(1)
        [prod_event] = prod_mode.wait_for(1)
        time.sleep(0.5)  # time enough for a wrong delivery to arrive
        assert len(test_mode.received) == len(prod_mode.received) == 1 and other_events.received == []
    assert json.loads(test_event.body)["eventId"] == in_test["id"]
    assert json.loads(prod_event.body)["eventId"] == in_prod["id"] and json.loads(prod_event.body)["mode"] == "prod"
    signed_by(api.credentials["webhookPublicKey"]["prod"], prod_event.headers["x-waffo-signature"], prod_event.body)


def test_failures_are_retried_on_the_business_clock_with_the_same_signature(api):
    with Receiver.running(statuses=[500, 503]) as receiver:
        register(api, receiver.url)
        pay(api, pending_order(api))
        [first] = receiver.wait_for(1)
        [logged] = deliveries(api)
        after_first = settled(api, logged["id"], 1)
        assert after_first["status"] == "pending" and after_first["attempts"][0]["statusCode"] == 500
        time.sleep(1.2)
        assert len(receiver.received) == 1  # the retry waits for business time, not a poll
        advance(api, FIRST_RETRY)
        settled(api, logged["id"], 2)  # the next retry is scheduled from the time this one is recorded
        advance(api, SECOND_RETRY)
        requests = receiver.wait_for(3)
    record = settled(api, logged["id"], 3)
    assert record["status"] == "success" and record["attemptCount"] == 3
    assert [a["statusCode"] for a in record["attempts"]] == [500, 503, 200]
    assert {(r.headers["x-waffo-signature"], r.body) for r in requests} == {(first.headers["x-waffo-signature"], first.body)}


def test_a_schedule_ends_after_four_attempts_and_resend_tries_once_more_freshly_signed(api):
    with Receiver.running(statuses=[500] * 4) as receiver:
        register(api, receiver.url)
        pay(api, pending_order(api))
        [logged] = deliveries(api)
        for attempts, wait in ((1, FIRST_RETRY), (2, SECOND_RETRY), (3, LAST_RETRY), (4, None)):
            settled(api, logged["id"], attempts)
            if wait:
                advance(api, wait)
        failed = delivery(api, logged["id"])
        assert (failed["status"], failed["attemptCount"], failed["nextAttemptAt"]) == ("failed", 4, None)
        assert deliveries(api, status="failed") == [{k: v for k, v in failed.items() if k not in ("body", "attempts")}]
        advance(api, 86400)
        time.sleep(1.2)
        assert len(receiver.received) == 4  # nothing after the schedule's end

        time.sleep(0.01)  # a fresh t, a millisecond on at least
        queued = api.control("POST", f"/webhooks/deliveries/{logged['id']}/resend")
        assert queued["status"] == "pending" and queued["maxAttempts"] == 5 and queued["signedAt"] is None
        requests = receiver.wait_for(5)
    resent = settled(api, logged["id"], 5)
    assert resent["status"] == "success" and resent["signedAt"] > failed["signedAt"]
    assert requests[4].body == requests[0].body
    assert requests[4].headers["x-waffo-signature"] != requests[0].headers["x-waffo-signature"]
    assert signed_by(api.credentials["webhookPublicKey"]["test"], requests[4].headers["x-waffo-signature"],
                     requests[4].body) == resent["signedAt"]


def test_a_dead_port_is_an_attempt_without_an_answer(api):
    register(api, f"http://127.0.0.1:{free_port()}/nobody-listens")
    pay(api, pending_order(api))
    [logged] = deliveries(api)
    record = settled(api, logged["id"], 1)
    [attempt] = record["attempts"]
    assert attempt["statusCode"] is None and attempt["error"].startswith("cannot connect")
    assert record["status"] == "pending"
    assert 12.0 <= _seconds(record["nextAttemptAt"]) - _seconds(attempt["at"]) <= 12.5


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)  # the sender's clock, whatever the store
def test_a_hanging_receiver_times_out_after_10_s_and_slows_no_payment(api):
    with Receiver.running(hang=12) as receiver:
        register(api, receiver.url)
        pay(api, pending_order(api))
        receiver.wait_for(1)  # the first delivery hangs from here
        second = pending_order(api)
        started = time.monotonic()
        pay(api, second)
        paying = time.monotonic() - started
        receiver.wait_for(2)  # the second order's delivery goes out beside the hanging one
        [hung] = [d for d in deliveries(api) if d["eventId"] != api.control("GET", f"/orders/{second['id']}")["paymentId"]]
        record = settled(api, hung["id"], 1, timeout=15)
    assert paying < 2, f"a payment took {paying:.1f} s while an endpoint hung"
    [attempt] = record["attempts"]
    assert attempt["statusCode"] is None and attempt["error"] == "no answer within 10 s"
    assert 9_900 <= attempt["durationMs"] < 11_000 and record["status"] == "pending"


def test_trigger_sends_an_event_for_a_paid_order(api):
    order = pending_order(api)
    trigger = {"orderId": order["id"], "eventType": "order.completed"}
    refused = api.send("POST", "/_mock/webhooks/trigger", json=trigger)
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["message"] == "order.completed is sent for a paid one-time order; this order is pending"
    missing = api.send("POST", "/_mock/webhooks/trigger", json={**trigger, "orderId": "ORD_" + "0" * 22})
    assert missing.status_code == 404 and missing.json()["errors"][0]["message"] == "Order not found"
    unknown = api.send("POST", "/_mock/webhooks/trigger", json={**trigger, "eventType": "refund.succeeded"})
    assert unknown.status_code == 400

    payment = pay(api, order)  # no endpoint yet: nothing to deliver
    assert deliveries(api) == [] and api.control("POST", "/webhooks/trigger", json=trigger)["deliveries"] == []
    with Receiver.running() as receiver:
        register(api, receiver.url)  # registered after the payment
        [queued] = api.control("POST", "/webhooks/trigger", json=trigger)["deliveries"]
        [request] = receiver.wait_for(1)
        settled(api, queued["id"], 1)
        [again] = api.control("POST", "/webhooks/trigger", json=trigger)["deliveries"]  # a second trigger: one more attempt
        assert again["id"] == queued["id"]
        receiver.wait_for(2)
    assert json.loads(request.body)["eventId"] == payment["id"]
    assert settled(api, queued["id"], 2)["attemptCount"] == 2


def test_the_delivery_log_pages_and_filters(api):
    register(api, f"http://127.0.0.1:{free_port()}/a")
    register(api, f"http://127.0.0.1:{free_port()}/b")
    for _ in range(3):
        pay(api, pending_order(api))
    logged = api.all_pages("/_mock/webhooks/deliveries", "deliveries", limit=2)
    assert len(logged) == 6 and len({d["id"] for d in logged}) == 6
    assert [d["createdAt"] for d in logged] == sorted(d["createdAt"] for d in logged)
    assert len(deliveries(api, storeId=api.stores[0]["id"], eventType="order.completed")) == 6
    assert deliveries(api, storeId=api.stores[1]["id"]) == [] and deliveries(api, eventType="refund.failed") == []
    missing = api.send("GET", "/_mock/webhooks/deliveries/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.json()["errors"][0]["message"] == "Webhook delivery not found"


@pytest.mark.parametrize("backend", BACKENDS)
def test_pending_deliveries_resume_after_a_restart(tmp_path, backend, backend_args):
    port = free_port()
    args = backend_args(backend)
    with MockServer.start(tmp_path, *args) as server:
        api = server.client()
        register(api, f"http://127.0.0.1:{port}/webhooks")
        pay(api, pending_order(api))
        [logged] = deliveries(api)
        settled(api, logged["id"], 1)  # refused: nothing listens yet
    with Receiver.running(port=port) as receiver, MockServer.start(tmp_path, *args) as server:
        api = server.client()
        advance(api, FIRST_RETRY)
        [request] = receiver.wait_for(1)
        assert settled(api, logged["id"], 2)["status"] == "success"
    assert json.loads(request.body)["eventId"] == logged["eventId"]


@pytest.mark.parametrize("point", ["payOrder:before-commit", "webhook:before-send", "webhook:after-send"])
def test_kill_9_loses_and_invents_no_event(tmp_path, point):
    """Killed before the payment commits: no event. Killed after it (before or after the POST):
    the event is sent on the next start, at least once, always with the same id and signature."""
    with Receiver.running() as receiver:
        server = MockServer.launch(tmp_path, env={"PANCAKE_MOCK_KILL_AT": point})
        try:
            api = server.client()
            register(api, receiver.url)
            order = pending_order(api)
            try:
                api.control("POST", f"/orders/{order['id']}/pay", json={})
            except Exception:  # noqa: BLE001 — the kill drops the connection when it falls on this request
                pass
            server.process.wait(timeout=20)  # it killed itself at the point
        finally:
            server.stop()
        assert server.process.returncode == -9

        with MockServer.start(tmp_path) as restarted:
            api = restarted.client()
            status = api.control("GET", f"/orders/{order['id']}")["status"]
            if point == "payOrder:before-commit":
                assert status == "pending" and deliveries(api) == []
                time.sleep(1.2)
                assert receiver.received == []
                pay(api, order)
            else:
                assert status == "completed"
            [logged] = deliveries(api)
            record = settled(api, logged["id"], 1)
            assert record["status"] == "success" and record["attemptCount"] == 1
            requests = receiver.wait_for(1)
            time.sleep(0.5)
    expected = 2 if point == "webhook:after-send" else 1  # sent, then killed before it was recorded
    assert len(receiver.received) == expected
    assert {(r.headers["x-waffo-signature"], r.body) for r in receiver.received} == {
        (requests[0].headers["x-waffo-signature"], requests[0].body)}


def test_two_workers_send_each_delivery_once(tmp_path):
    with Receiver.running() as receiver, MockServer.start(tmp_path, "--workers", "2") as server:
        api = server.client()
        register(api, receiver.url)
        paid = {pay(api, pending_order(api))["id"] for _ in range(12)}
        receiver.wait_for(12)
        time.sleep(1.5)  # a second worker's look at the outbox comes within a second
    assert sorted(json.loads(r.body)["eventId"] for r in receiver.received) == sorted(paid)


def _seconds(moment: str) -> float:
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp()

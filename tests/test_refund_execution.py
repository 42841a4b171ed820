"""Refund tickets carried out: a processing ticket succeeds a minute of business time after its
approval (by a clock move, or by time passing on its own), or the control plane answers it now;
`refund.succeeded` / `refund.failed` reach the store's endpoint signed, the payment's refundStatus
follows, and the order's status does not change."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

from receiver import Receiver
from support import error_of
from test_refund_tickets import CREATE, ask, paid, review, ticket_of
from test_subscription_lifecycle import check_event
from test_webhook_delivery import signed_by

REFUND_EVENTS = ["refund.succeeded", "refund.failed"]
PAYMENT = "query ($id: String!) { payments(filter: {id: {eq: $id}}) { refundStatus status onetimeOrder { status } } }"


def listen(api, url: str) -> None:
    added = api.signed("/v1/actions/store/add-webhook", {"storeId": api.stores[0]["id"], "channel": "http", "url": url,
                                                         "events": REFUND_EVENTS, "testMode": True})
    assert added.status_code == 200, added.text


def at(moment: str, seconds: float) -> str:
    return (datetime.fromisoformat(moment.replace("Z", "+00:00")) + timedelta(seconds=seconds)).isoformat()


def ticket(api, ticket_id: str) -> dict:
    query = "query ($id: String!) { refundTickets(filter: {id: {eq: $id}}) { id status executedAt } }"
    read = api.graphql(query, {"id": ticket_id}).json()
    return read["data"]["refundTickets"][0]


def payment_read(api, payment_id: str) -> dict:
    [read] = api.graphql(PAYMENT, {"id": payment_id}).json()["data"]["payments"]
    return read


def event_of(receiver: Receiver, api) -> dict:
    [delivery] = receiver.wait_for(1)
    signed_by(api.credentials["webhookPublicKey"]["test"], delivery.headers["x-waffo-signature"], delivery.body)
    event = json.loads(delivery.body)
    check_event(event)
    return event


def test_a_merchant_s_refund_succeeds_a_minute_later(api):
    with Receiver.running() as receiver:
        listen(api, receiver.url)
        payment, _token = paid(api)
        made = ticket_of(api.signed(CREATE, ask(payment, "2.00", refundTicketMerchantExternalId="rf-9")))
        assert made["status"] == "processing"
        assert payment_read(api, payment["id"])["refundStatus"] == "pending"
        api.control("PUT", "/clock", json={"now": at(made["reviewedAt"], 61)})
        event = event_of(receiver, api)
    assert event["eventType"] == "refund.succeeded" and event["eventId"].startswith("REF_")
    data = event["data"]
    assert (data["refundedAmount"], data["originalChargedAmount"], data["refundStatus"]) == (
        "2.00", payment["amount"], "succeeded")
    assert data["paymentId"] == payment["id"] and data["refundTicketMerchantExternalId"] == "rf-9"
    read = payment_read(api, payment["id"])
    assert read["refundStatus"] == "refunded" and read["onetimeOrder"]["status"] == "completed"
    assert error_of(api.signed(CREATE, ask(payment))) == (409, "The payment already has a refund ticket open or succeeded")
    refunds = api.graphql(
        "query ($id: String!) { refunds(filter: {id: {eq: $id}}) { id status paymentId refundTicketMerchantExternalId "
        "pspAmountDetails { amount currency } } refundsCount(filter: {orderMerchantExternalId: {eq: \"none\"}}) "
        "payments(filter: {id: {eq: \"%s\"}}) { refunds { id status } } }" % payment["id"],
        {"id": event["eventId"]}).json()["data"]
    assert refunds["refunds"] == [{"id": event["eventId"], "status": "succeeded", "paymentId": payment["id"],
                                   "refundTicketMerchantExternalId": "rf-9",
                                   "pspAmountDetails": {"amount": "2.00", "currency": payment["currency"]}}]
    assert refunds["refundsCount"] == 0
    assert refunds["payments"][0]["refunds"] == [{"id": event["eventId"], "status": "succeeded"}]


def test_a_buyer_s_refund_the_psp_fails_can_be_asked_again(api):
    with Receiver.running() as receiver:
        listen(api, receiver.url)
        payment, token = paid(api)
        made = ticket_of(api.as_buyer(CREATE, ask(payment), token))
        assert error_of(api.send("POST", f"/_mock/refund-tickets/{made['id']}/settle", json={"outcome": "failed"})) == (
            409, "Only processing tickets can be settled, current status: pending")
        assert review(api, made, "approve").status_code == 200
        settled = api.send("POST", f"/_mock/refund-tickets/{made['id']}/settle", json={"outcome": "failed"})
        assert settled.status_code == 200 and settled.json()["status"] == "failed", settled.text
        assert settled.json()["executedAt"]
        event = event_of(receiver, api)
    assert event["eventType"] == "refund.failed" and event["data"]["refundStatus"] == "failed"
    assert payment_read(api, payment["id"])["refundStatus"] == "failed"
    assert ticket_of(api.as_buyer(CREATE, ask(payment), token))["status"] == "pending"  # a failed one is no bar
    assert error_of(api.send("POST", "/_mock/refund-tickets/TKT_none/settle", json={"outcome": "failed"})) == (
        404, "Ticket not found")


def test_time_passing_on_its_own_carries_a_refund_out(api):
    payment, _token = paid(api)
    made = ticket_of(api.signed(CREATE, ask(payment)))
    api.control("PUT", "/clock", json={"now": at(made["reviewedAt"], 58)})
    assert ticket(api, made["id"])["status"] == "processing"
    deadline = time.monotonic() + 15
    while ticket(api, made["id"])["status"] == "processing":  # two seconds of wall time, and each worker's ticker
        assert time.monotonic() < deadline, "no ticker carried the refund out"
        time.sleep(0.2)
    assert ticket(api, made["id"])["status"] == "succeeded"

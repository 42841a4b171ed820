"""Subscriptions through business time: the clock reaching a period's end renews (a payment per
period, periodNumber counting), a declined renewal makes the order past_due and its one retry
recovers or cancels it, a canceling subscription ends at its period's end, and each step's webhook
event reaches the store's endpoint signed, in order."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import jsonschema

from pancake_mock import contract
from receiver import Receiver
from support import error_of
from test_webhook_delivery import signed_by

CANCEL = "/v1/actions/subscription-order/cancel-order"
REACTIVATE = "/v1/actions/subscription-order/reactivate-order"
BILLING = {"country": "DE", "isBusiness": False}
EVENTS = ["subscription.activated", "subscription.payment_succeeded", "subscription.renewed", "subscription.past_due",
          "subscription.recovered", "subscription.plan_change_scheduled", "subscription.plan_changed",
          "subscription.plan_change_failed", "subscription.canceling", "subscription.uncanceled", "subscription.canceled"]
_API = contract.load(contract.API_SPEC)
# What the contract's `webhooks` say each event's body is, by event type.
EVENT_SCHEMAS = {kind: jsonschema.Draft202012Validator(
    {**_API, "$ref": f"#/components/pathItems/{kind}/post/requestBody/content/application~1json/schema"},
    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER) for kind in ("SubscriptionEvent", "RefundEvent")}


def check_event(event: dict) -> None:
    """The event as the contract's `webhooks` entry for its type describes it."""
    entry = _API["webhooks"][event["eventType"]]["$ref"].rsplit("/", 1)[1]
    EVENT_SCHEMAS[entry].validate(event)


def paid_subscription(api, receiver_url: str, card: str | None = None) -> tuple[dict, str]:
    added = api.signed("/v1/actions/store/add-webhook", {"storeId": api.stores[0]["id"], "channel": "http",
                                                         "url": receiver_url, "events": EVENTS, "testMode": True})
    assert added.status_code == 200, added.text
    monthly = next(p for p in api.products("subscription") if p["billingPeriod"] == "monthly")
    token = subscriber(api)
    session = api.create_session(monthly["id"], "USD")
    made = api.create_order({"checkoutSessionId": session, "billingDetail": BILLING, "buyerEmail": "s@example.com"},
                            token, kind="subscription")
    assert made.status_code == 200, made.text
    [order] = api.orders(session)
    api.control("POST", f"/orders/{order['id']}/pay", json={"cardNumber": card} if card else {})
    return order, token


def subscriber(api) -> str:
    """A fresh token of the subscriber's: one lasts a month of business time."""
    return api.issue_token(buyer="subscriber")


def billing(api, order_id: str) -> dict:
    return api.control("POST", f"/subscriptions/{order_id}/failing-renewals", json={"count": 0})


def travel(api, moment: str, seconds: float = 1) -> None:
    """Business time a moment past `moment`."""
    target = datetime.fromisoformat(moment.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    api.control("PUT", "/clock", json={"now": target.isoformat()})


def status(api, order_id: str) -> str:
    return api.control("GET", f"/orders/{order_id}")["status"]


def received(receiver: Receiver, public_key: str, count: int) -> list[tuple[str, dict]]:
    """The first `count` deliveries, each verified and checked against the contract, in order of
    their events' moments."""
    got = receiver.wait_for(count)
    events = []
    for delivery in got:
        signed_by(public_key, delivery.headers["x-waffo-signature"], delivery.body)
        event = json.loads(delivery.body)
        check_event(event)
        events.append(event)
    events.sort(key=lambda e: (e["timestamp"], EVENTS.index(e["eventType"])))
    return [(e["eventType"], e) for e in events]


def test_a_year_of_a_monthly_subscription(api):
    with Receiver.running() as receiver:
        order, _token = paid_subscription(api, receiver.url)
        first = billing(api, order["id"])
        assert first["periodNumber"] == 1 and first["billingPeriod"] == "monthly"
        renewals = 0
        while renewals < 12:
            now = billing(api, order["id"])
            if renewals == 4:  # the fifth renewal is declined, and its retry three days later succeeds
                api.control("POST", f"/subscriptions/{order['id']}/failing-renewals", json={"count": 1})
            travel(api, now["currentPeriodEnd"])
            if renewals == 4:
                assert status(api, order["id"]) == "past_due"
                travel(api, billing(api, order["id"])["nextChargeAt"])
            assert status(api, order["id"]) == "active"
            renewals += 1
        after = billing(api, order["id"])
        assert after["periodNumber"] == 13  # the first and twelve renewals; the declined one paid by its retry
        # A year on, the buyer's token has long expired: the merchant cancels.
        assert answer(api.signed(CANCEL, {"orderId": order["id"]}))["status"] == "canceling"
        travel(api, after["currentPeriodEnd"])
        assert status(api, order["id"]) == "canceled"

        payments = api.control("GET", f"/orders/{order['id']}")["payments"]
        assert [p["status"] for p in payments].count("succeeded") == 13
        assert [p["status"] for p in payments].count("failed") == 1
        # Activation (2), eleven renewals (2 each), the declined one and its retry (3), the end (2).
        kinds = [kind for kind, _ in received(receiver, api.credentials["webhookPublicKey"]["test"], 2 + 22 + 3 + 2)]
    assert kinds[:2] == ["subscription.activated", "subscription.payment_succeeded"]
    assert kinds.count("subscription.renewed") == 11 and kinds.count("subscription.recovered") == 1
    assert kinds.count("subscription.payment_succeeded") == 13 and kinds.count("subscription.past_due") == 1
    assert kinds[-2:] == ["subscription.canceling", "subscription.canceled"]


def test_a_year_at_once_runs_every_renewal_in_order(api):
    with Receiver.running() as receiver:
        order, _token = paid_subscription(api, receiver.url)
        start = billing(api, order["id"])
        travel(api, start["currentPeriodStart"], seconds=366 * 86400)
        now = billing(api, order["id"])
        assert now["periodNumber"] == 13
        read = api.graphql("query ($id: ID!) { subscriptionOrder(id: $id) { status currentPeriodStart currentPeriodEnd "
                           "payments { status } } }", {"id": order["id"]}).json()["data"]["subscriptionOrder"]
        assert (read["currentPeriodStart"], read["currentPeriodEnd"]) == (now["currentPeriodStart"], now["currentPeriodEnd"])
        assert [p["status"] for p in read["payments"]] == ["succeeded"] * 13
        events = received(receiver, api.credentials["webhookPublicKey"]["test"], 2 + 12 * 2)
    renewed = [event for kind, event in events if kind == "subscription.renewed"]
    ends = [event["data"]["currentPeriodEnd"] for event in renewed]
    assert ends == sorted(ends) and len(set(ends)) == 12
    assert [event["data"]["periodNumber"] for event in renewed] == list(range(2, 14))
    # A renewal's event id carries its period's end date; the envelope's id is the order's.
    assert renewed[0]["eventId"] == f"{order['id']}-renewed-{ends[0][:10]}" and renewed[0]["id"] == order["id"]


def test_a_failed_retry_cancels_and_the_unpaid_subscription_cannot_be_reactivated(api):
    with Receiver.running() as receiver:
        order, _token = paid_subscription(api, receiver.url, card="4000000000000341")  # renewals declined
        travel(api, billing(api, order["id"])["currentPeriodEnd"])
        assert status(api, order["id"]) == "past_due"
        retry = billing(api, order["id"])["nextChargeAt"]
        travel(api, retry)
        assert status(api, order["id"]) == "canceled"
        kinds = [kind for kind, _ in received(receiver, api.credentials["webhookPublicKey"]["test"], 4)]
    assert kinds == ["subscription.activated", "subscription.payment_succeeded", "subscription.past_due",
                     "subscription.canceled"]
    assert error_of(api.as_buyer(REACTIVATE, {"orderId": order["id"]}, subscriber(api))) == (
        400, "Only canceling subscriptions can be reactivated")


def test_past_due_canceled_is_canceling_until_its_retry_and_owes_a_balance(api):
    order, _token = paid_subscription(api, "http://127.0.0.1:9/unused", card="4000000000000341")
    travel(api, billing(api, order["id"])["currentPeriodEnd"])
    token = subscriber(api)
    assert answer(api.as_buyer(CANCEL, {"orderId": order["id"]}, token))["status"] == "canceling"
    assert error_of(api.as_buyer(REACTIVATE, {"orderId": order["id"]}, token)) == (
        400, "Subscription with an unpaid balance cannot be reactivated")
    travel(api, billing(api, order["id"])["currentPeriodStart"], seconds=4 * 86400)
    assert status(api, order["id"]) == "canceled"


def test_reactivated_renews_and_moving_time_back_undoes_nothing(api):
    order, token = paid_subscription(api, "http://127.0.0.1:9/unused")
    period = billing(api, order["id"])
    answer(api.as_buyer(CANCEL, {"orderId": order["id"]}, token))
    assert answer(api.as_buyer(REACTIVATE, {"orderId": order["id"]}, token))["status"] == "active"
    travel(api, period["currentPeriodEnd"])
    assert status(api, order["id"]) == "active" and billing(api, order["id"])["periodNumber"] == 2
    travel(api, period["currentPeriodStart"])
    assert billing(api, order["id"])["periodNumber"] == 2


def test_failing_renewals_of_what_is_no_paid_subscription(api):
    assert error_of(api.send("POST", "/_mock/subscriptions/ORD_nothing/failing-renewals", json={"count": 1})) == (
        404, "Subscription not found")
    assert error_of(api.send("POST", "/_mock/subscriptions/ORD_nothing/failing-renewals", json={"count": -1}))[0] == 400


def answer(response):
    assert response.status_code == 200, response.text
    return response.json()["data"]


def trial_subscription(api, buyer: str, **trial) -> dict:
    plan = api.create_product("subscription", metadata={"trialDays": 7},
                              prices={"USD": {"amount": "10.00", "taxCategory": "saas", **trial}})
    token = api.issue_token(buyer=buyer)
    session = api.create_session(plan["id"], "USD")
    made = api.create_order({"checkoutSessionId": session, "billingDetail": BILLING, "buyerEmail": "t@example.com"},
                            token, kind="subscription")
    assert made.status_code == 200, made.text
    [order] = api.orders(session)
    return api.control("POST", f"/orders/{order['id']}/pay", json={})["order"]


def phases(api, order_id: str) -> dict:
    query = ("query ($id: ID!) { subscriptionOrder(id: $id) { priceSnapshot { specialPhaseDays "
             "specialPhase { total } regularPhase { total } } payments { amount status } } }")
    return api.graphql(query, {"id": order_id}).json()["data"]["subscriptionOrder"]


def test_a_free_trial_is_period_0_then_the_regular_price(api):
    order = trial_subscription(api, "trialist")
    start = billing(api, order["id"])
    assert start["periodNumber"] == 0  # authorised, not charged
    days = (datetime.fromisoformat(start["currentPeriodEnd"][:-1]) - datetime.fromisoformat(start["currentPeriodStart"][:-1]))
    assert days == timedelta(days=7)
    read = phases(api, order["id"])
    snapshot = read["priceSnapshot"]
    assert snapshot["specialPhaseDays"] == 7 and snapshot["specialPhase"]["total"] == "0.00"
    assert snapshot["regularPhase"]["total"] == "11.90"  # 10.00 + 19 % German VAT
    travel(api, start["currentPeriodEnd"])
    renewed = billing(api, order["id"])
    assert renewed["periodNumber"] == 1 and renewed["currentPeriodStart"] == start["currentPeriodEnd"]
    assert [(p["amount"], p["status"]) for p in phases(api, order["id"])["payments"]] == [
        ("0.00", "succeeded"), ("11.90", "succeeded")]
    # The trial is used: the same buyer's next subscription of that product starts at the regular price.
    again = api.create_session(order["productId"], "USD")
    made = api.create_order({"checkoutSessionId": again, "billingDetail": BILLING, "buyerEmail": "t@example.com"},
                            api.issue_token(buyer="trialist"), kind="subscription")
    assert made.status_code == 200, made.text
    [second] = api.orders(again)
    assert phases(api, second["id"])["priceSnapshot"]["specialPhase"] is None
    assert [p["amount"] for p in phases(api, second["id"])["payments"]] == ["11.90"]


def test_a_paid_trial_charges_its_price_first(api):
    order = trial_subscription(api, "paid-trialist", trialAmount="1.00")
    start = billing(api, order["id"])
    assert start["periodNumber"] == 1
    assert [p["amount"] for p in phases(api, order["id"])["payments"]] == ["1.19"]
    travel(api, start["currentPeriodEnd"])
    assert billing(api, order["id"])["periodNumber"] == 2
    assert [p["amount"] for p in phases(api, order["id"])["payments"]] == ["1.19", "11.90"]


def plan_change(api, order_id: str, product_id: str, **fields) -> str:
    body = {"originOrderId": order_id, "productId": product_id, "currency": "USD", **fields}
    made = api.signed("/v1/actions/checkout/create-session", body)
    assert made.status_code == 200, made.text
    return made.json()["data"]["sessionId"]


def confirm(api, session_id: str):
    return api.send("POST", f"/_mock/checkout-sessions/{session_id}/confirm-change", check=False)


def test_an_immediate_plan_change_charges_its_amount_then_switches(api):
    with Receiver.running() as receiver:
        order, _token = paid_subscription(api, receiver.url)
        bigger = api.create_product("subscription", prices={"USD": {"amount": "20.00", "taxCategory": "saas"}})
        session = plan_change(api, order["id"], bigger["id"], changeTiming="immediate", changeAmount="5.00")
        changed = confirm(api, session)
        assert changed.status_code == 200, changed.text
        assert changed.json()["productId"] == bigger["id"]
        assert [p["amount"] for p in changed.json()["payments"]][-1] == "5.00"
        assert error_of(confirm(api, session)) == (409, "Checkout session invalid, please re-enter checkout")
        travel(api, billing(api, order["id"])["currentPeriodEnd"])
        assert api.control("GET", f"/orders/{order['id']}")["payments"][-1]["amount"] == "23.80"  # the new plan, taxed
        kinds = [kind for kind, _ in received(receiver, api.credentials["webhookPublicKey"]["test"], 2 + 2 + 2)]
    assert kinds[2:4] == ["subscription.payment_succeeded", "subscription.plan_changed"]


def test_a_plan_change_for_the_next_period_waits_for_the_renewal(api):
    with Receiver.running() as receiver:
        order, _token = paid_subscription(api, receiver.url)
        smaller = api.create_product("subscription", billingPeriod="yearly",
                                     prices={"USD": {"amount": "2.00", "taxCategory": "saas"}})
        assert confirm(api, plan_change(api, order["id"], smaller["id"])).json()["productId"] == order["productId"]
        travel(api, billing(api, order["id"])["currentPeriodEnd"])  # a cheaper plan: the next period, by default
        detail = api.control("GET", f"/orders/{order['id']}")
        assert detail["productId"] == smaller["id"] and detail["payments"][-1]["amount"] == "2.38"
        now = billing(api, order["id"])
        assert now["billingPeriod"] == "yearly" and now["currentPeriodEnd"][:4] == str(int(now["currentPeriodStart"][:4]) + 1)
        assert now["currentPeriodEnd"][4:10] == now["currentPeriodStart"][4:10]
        kinds = [kind for kind, _ in received(receiver, api.credentials["webhookPublicKey"]["test"], 2 + 1 + 3)]
    assert kinds[2] == "subscription.plan_change_scheduled" and "subscription.plan_changed" in kinds[3:]


def test_a_declined_plan_change_changes_nothing(api):
    with Receiver.running() as receiver:
        order, _token = paid_subscription(api, receiver.url)
        # Dearer than any seeded plan: the rest of the period costs more, and that charge is declined.
        bigger = api.create_product("subscription", prices={"USD": {"amount": "900.00", "taxCategory": "saas"}})
        api.control("POST", f"/subscriptions/{order['id']}/failing-renewals", json={"count": 1})
        failed = confirm(api, plan_change(api, order["id"], bigger["id"], changeTiming="immediate"))
        assert failed.status_code == 200 and failed.json()["productId"] == order["productId"]
        assert failed.json()["payments"][-1]["status"] == "failed"
        kinds = [kind for kind, _ in received(receiver, api.credentials["webhookPublicKey"]["test"], 3)]
    assert kinds[2] == "subscription.plan_change_failed"
    assert error_of(confirm(api, "cs_none"))[0] == 404


def test_a_subscription_never_paid_closes_when_its_checkout_lapses(api):
    token = subscriber(api)
    session = api.create_session(api.product("subscription")["id"], "USD")
    made = api.create_order({"checkoutSessionId": session, "billingDetail": BILLING, "buyerEmail": "c@example.com"},
                            token, kind="subscription")
    assert made.status_code == 200, made.text
    [order] = api.orders(session)
    api.control("PUT", "/clock", json={"advanceSeconds": 23 * 3600})
    assert status(api, order["id"]) == "pending"
    api.control("PUT", "/clock", json={"advanceSeconds": 3600})
    detail = api.control("GET", f"/orders/{order['id']}")
    assert detail["status"] == "closed" and [p["status"] for p in detail["payments"]] == ["canceled"]
    assert error_of(api.signed(CANCEL, {"orderId": order["id"]})) == (
        400, "Subscription cannot be canceled, current status: closed")


def test_a_plan_change_confirmed_after_a_cancel_is_refused(api):
    order, _token = paid_subscription(api, "http://127.0.0.1:9/unused")
    session = plan_change(api, order["id"], api.create_product("subscription")["id"])
    answer(api.signed(CANCEL, {"orderId": order["id"]}))
    assert error_of(confirm(api, session)) == (400, "Subscription plan cannot be changed, current status: canceling")
    assert api.control("GET", f"/orders/{order['id']}")["productId"] == order["productId"]


def test_a_plan_change_s_credit_comes_off_the_next_renewals(api):
    order, _token = paid_subscription(api, "http://127.0.0.1:9/unused")
    cheaper = api.create_product("subscription", prices={"USD": {"amount": "10.00", "taxCategory": "saas"}})
    changed = confirm(api, plan_change(api, order["id"], cheaper["id"], changeTiming="immediate",
                                       changeCreditAmount="15.00"))
    assert changed.status_code == 200 and changed.json()["productId"] == cheaper["id"], changed.text
    for _ in range(2):
        travel(api, billing(api, order["id"])["currentPeriodEnd"])
    amounts = [p["amount"] for p in api.control("GET", f"/orders/{order['id']}")["payments"]]
    assert amounts[-2:] == ["0.00", "8.80"]  # 11.90 each: 15.00 of credit covers one and 3.10 of the next


def test_a_planned_failure_is_used_up_by_the_plan_change_it_declines(api):
    order, _token = paid_subscription(api, "http://127.0.0.1:9/unused")
    dearer = api.create_product("subscription", prices={"USD": {"amount": "900.00", "taxCategory": "saas"}})
    api.control("POST", f"/subscriptions/{order['id']}/failing-renewals", json={"count": 1})
    assert confirm(api, plan_change(api, order["id"], dearer["id"], changeTiming="immediate")).json()["productId"] == order["productId"]
    assert confirm(api, plan_change(api, order["id"], dearer["id"], changeTiming="immediate")).json()["productId"] == dearer["id"]

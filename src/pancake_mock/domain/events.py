"""Webhook events: what a state change tells its store's endpoints, and their outbox.

An event becomes one delivery per endpoint of its store that subscribes to its type in its
environment, written in the transaction of the change that causes it, so a crash keeps both or
neither; the sender (adapters/deliveries.py) takes it from there, off the request path. The
`http` channel gets the SDK's `WebhookEvent` envelope (`webhooks` in openapi/pancake.yaml), which
the sender signs; the IM channels get a one-line text message in their native shape, unsigned.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from .. import codec
from . import errors
from .model import (ONETIME, DeliveryAttempt, Order, Payment, ProductVersion, RefundTicket, Store, Subscription,
                    Webhook, WebhookDelivery)
from .money import display
from .ports import Transaction

ORDER_COMPLETED = "order.completed"
ACTIVATED = "subscription.activated"
PAYMENT_SUCCEEDED = "subscription.payment_succeeded"
RENEWED = "subscription.renewed"
PAST_DUE = "subscription.past_due"
RECOVERED = "subscription.recovered"
CANCELING = "subscription.canceling"
UNCANCELED = "subscription.uncanceled"
CANCELED = "subscription.canceled"
PLAN_CHANGED = "subscription.plan_changed"
PLAN_CHANGE_SCHEDULED = "subscription.plan_change_scheduled"
PLAN_CHANGE_FAILED = "subscription.plan_change_failed"
REFUND_SETTLED = {"succeeded": "refund.succeeded", "failed": "refund.failed"}
MAX_ATTEMPTS = 4  # the first and three retries
PENDING, SUCCESS, FAILED = "pending", "success", "failed"


def retry_delay(failures: int) -> timedelta:
    """QStash's default backoff, which the real deliveries ride on: e^(2.5 n) seconds after the
    n-th failure (12 s, 148 s, 30 min), so the last retry still falls in the SDK's 45-minute window."""
    return timedelta(seconds=min(86400.0, math.exp(2.5 * failures)))


@dataclass(frozen=True)
class AmountBreakdown:
    total: str
    tax_amount: str
    subtotal: str | None = None
    tax_rate: int | float | None = None  # a percentage: 19 for 19 %
    tax_name: str | None = None


@dataclass(frozen=True)
class EventData:
    """The SDK's `WebhookEventData`; a field left None is absent from the payload, never null."""

    order_id: str
    buyer_email: str
    currency: str
    amount: str  # deprecated, still sent: on payment events the amount charged
    tax_amount: str  # deprecated, still sent
    product_name: str
    order_status: str | None = None
    merchant_provided_buyer_identity: str | None = None
    order_merchant_external_id: str | None = None
    billing_detail: object | None = None
    order_metadata: dict[str, str] | None = None
    charged_amount: str | None = None
    tax_rate: int | float | None = None  # deprecated: a fraction, 0.19 for 19 %
    tax_name: str | None = None
    subtotal: str | None = None
    total: str | None = None
    list_price: AmountBreakdown | None = None
    product_description: str | None = None
    product_metadata: dict[str, str] | None = None
    payment_id: str | None = None
    payment_status: str | None = None
    payment_method: str | None = None
    payment_last4: str | None = None
    payment_failure_reason: str | None = None
    payment_date: str | None = None
    # Subscription events (not payment_succeeded, which is a payment event) and their payments.
    billing_period: str | None = None
    current_period_start: str | None = None
    current_period_end: str | None = None
    canceled_at: str | None = None
    period_number: int | None = None
    plan_price: AmountBreakdown | None = None
    # Refund events.
    refund_ticket_merchant_external_id: str | None = None
    refunded_amount: str | None = None
    original_charged_amount: str | None = None
    original_payment: AmountBreakdown | None = None
    refund_status: str | None = None
    refund_reason: str | None = None
    refund_created_at: str | None = None


@dataclass(frozen=True)
class Event:
    type: str
    id: str  # the business event's id: a payment's for payment events
    store: Store
    environment: str
    at: datetime
    data: EventData
    record_id: str | None = None  # the envelope's `id` where it is not the event id

    def envelope(self) -> dict:
        # The real API's `id` is the event id on payment and activation events, the bare order id
        # on those whose event id has a suffix (waffo-api.md §7.2).
        return {"id": self.record_id or self.id, "timestamp": codec.timestamp(self.at), "eventType": self.type, "eventId": self.id,
                "storeId": self.store.id, "storeName": self.store.name, "mode": self.environment,
                "data": codec.present(self.data)}

    def summary(self) -> str:
        """The one line an IM channel shows."""
        data = self.data
        return (f"[{self.environment}] {self.type}: order {data.order_id} of {self.store.name}, "
                f"{data.amount} {data.currency} for {data.product_name}, buyer {data.buyer_email}")


def order_completed(tx: Transaction, order: Order, payment: Payment, now: datetime) -> Event:
    """A one-time order's payment succeeded."""
    return Event(ORDER_COMPLETED, payment.id, tx.get(Store, order.store_id), order.environment, now,
                 _order_data(tx, order, payment, now))


def subscription_payment(tx: Transaction, order: Order, subscription: Subscription, payment: Payment,
                         now: datetime) -> Event:
    """A charge of a subscription succeeded: its first, a renewal or a recovery."""
    data = replace(_order_data(tx, order, payment, now), order_status=None, period_number=subscription.period_number)
    return Event(PAYMENT_SUCCEEDED, payment.id, tx.get(Store, order.store_id), order.environment, now, data)


def subscription_changed(tx: Transaction, event_type: str, order: Order, subscription: Subscription,
                         now: datetime, payment: Payment | None = None, suffix: str | None = None) -> Event:
    """A subscription's status event. Its id is the order's, with a suffix where the order can have
    the event more than once (renewed: the period's end date; canceling, uncanceled: the moment)."""
    data = _order_data(tx, order, payment, now)
    data = replace(data, billing_period=subscription.billing_period, period_number=subscription.period_number,
                   current_period_start=codec.timestamp(subscription.current_period_start),
                   current_period_end=codec.timestamp(subscription.current_period_end),
                   canceled_at=subscription.canceled_at and codec.timestamp(subscription.canceled_at),
                   plan_price=data.list_price, list_price=None)
    event_id = f"{order.id}-{suffix}" if suffix else order.id
    return Event(event_type, event_id, tx.get(Store, order.store_id), order.environment, now, data,
                 record_id=order.id if suffix else None)


def refund_settled(tx: Transaction, ticket: RefundTicket, payment: Payment, order: Order, now: datetime) -> Event:
    """A refund was carried out, or failed; its id is the refund's."""
    data = _order_data(tx, order, payment, now)
    data = replace(data, refund_ticket_merchant_external_id=ticket.refund_ticket_merchant_external_id,
                   refunded_amount=ticket.amount, original_charged_amount=payment.amount, original_payment=data.list_price,
                   list_price=None, charged_amount=None, refund_status=ticket.status, refund_reason=ticket.reason,
                   refund_created_at=codec.timestamp(ticket.created_at), payment_status=None, payment_method=None,
                   payment_last4=None, payment_failure_reason=None, payment_date=None)
    assert ticket.refund_id is not None
    return Event(REFUND_SETTLED[ticket.status], ticket.refund_id, tx.get(Store, order.store_id), order.environment,
                 now, data)


def _order_data(tx: Transaction, order: Order, payment: Payment | None, now: datetime) -> EventData:
    snapshot = order.price_snapshot
    version = tx.get(ProductVersion, (order.product_id, order.product_version))
    names = " + ".join(dict.fromkeys(line.name for line in snapshot.lines)) or None
    tax_amount, subtotal, total = (display(value, order.currency)
                                   for value in (snapshot.tax_amount, snapshot.subtotal, snapshot.total))
    identity = order.buyer_identity
    charged = payment.amount if payment else total
    return EventData(
        order_id=order.id, order_status=order.status, buyer_email=order.buyer_email, currency=order.currency,
        # A hosted checkout opened without a token orders as its guest, whom no merchant named.
        merchant_provided_buyer_identity=None if identity == f"guest:{order.checkout_session_id}" else identity,
        order_merchant_external_id=order.order_merchant_external_id,
        billing_detail=order.billing_detail, order_metadata=order.metadata or None,
        charged_amount=charged if payment else None, amount=charged, tax_amount=tax_amount,
        tax_rate=_number(snapshot.tax_rate), tax_name=names, subtotal=subtotal, total=total,
        list_price=AmountBreakdown(total=total, subtotal=subtotal, tax_amount=tax_amount,
                                   tax_rate=_number(snapshot.tax_rate * 100), tax_name=names),
        product_name=version.name if version else "", product_description=version.description if version else None,
        product_metadata=(version.metadata or None) if version else None,
        **(_payment_block(payment, now) if payment else {}),
    )


def _payment_block(payment: Payment, now: datetime) -> dict:
    return {"payment_id": payment.id, "payment_status": payment.status, "payment_method": "card",
            "payment_last4": payment.card.last4 if payment.card else None,
            "payment_failure_reason": payment.failure_reason, "payment_date": now.date().isoformat()}


def publish(tx: Transaction, event: Event, now: datetime) -> list[WebhookDelivery]:
    """The event's deliveries, one per subscribed endpoint, as new outbox rows; an endpoint that
    has this event already keeps its one delivery (returned as it is)."""
    deliveries = []
    for webhook in tx.find(Webhook, store_id=event.store.id):
        if webhook.test_mode != (event.environment == "test") or event.type not in webhook.events:
            continue
        existing = tx.find(WebhookDelivery, webhook_id=webhook.id, event_type=event.type, event_id=event.id)
        if existing:
            deliveries.append(existing[0])
            continue
        delivery = WebhookDelivery(
            id=tx.new_uuid("delivery"), webhook_id=webhook.id, store_id=event.store.id,
            environment=event.environment, event_type=event.type, event_id=event.id, channel=webhook.channel,
            url=webhook.url, body=render(webhook, event), status=PENDING, attempt_count=0,
            max_attempts=MAX_ATTEMPTS, next_attempt_at=now, created_at=now, updated_at=now)
        tx.add(delivery)
        deliveries.append(delivery)
    return deliveries


def render(webhook: Webhook, event: Event) -> str:
    """The body an endpoint is sent, in its channel's native shape. A Feishu bot's secret signs
    the message when it is sent; a Telegram endpoint's secret is the chat it posts to."""
    if webhook.channel == "http":
        payload: dict = event.envelope()
    elif webhook.channel == "feishu":
        payload = {"msg_type": "text", "content": {"text": event.summary()}}
    elif webhook.channel == "discord":
        payload = {"content": event.summary()}
    elif webhook.channel == "telegram":
        payload = {"chat_id": webhook.secret, "text": event.summary()} if webhook.secret else {"text": event.summary()}
    else:  # slack
        payload = {"text": event.summary()}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def record_attempt(tx: Transaction, delivery: WebhookDelivery, attempt: DeliveryAttempt) -> WebhookDelivery:
    """An attempt's outcome: a 2xx delivers; else the next retry of the schedule, or the end of it."""
    count = delivery.attempt_count + 1
    tx.add(replace(attempt, number=count))
    succeeded = attempt.status_code is not None and 200 <= attempt.status_code < 300
    status = SUCCESS if succeeded else FAILED if count >= delivery.max_attempts else PENDING
    updated = replace(delivery, attempt_count=count, status=status, sender=None, updated_at=attempt.at,
                      next_attempt_at=attempt.at + retry_delay(count) if status == PENDING else delivery.next_attempt_at)
    tx.save(updated, "attempt_count", "status", "sender", "updated_at", "next_attempt_at")
    return updated


def resend(tx: Transaction, delivery_id: str, now: datetime) -> WebhookDelivery:
    """One more attempt, now, with a fresh signature, to the endpoint's current URL."""
    delivery = tx.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise errors.DELIVERY_NOT_FOUND.error()
    return _again(tx, delivery, now)


def trigger(tx: Transaction, order_id: str, event_type: str, now: datetime) -> list[WebhookDelivery]:
    """Send an event for an order in the state it describes, as `stripe trigger` does: new
    deliveries to endpoints subscribed since, one more attempt of those that have it."""
    order = tx.get(Order, order_id)
    if order is None:
        raise errors.ORDER_NOT_FOUND.error()
    payment = tx.get(Payment, order.payment_id) if order.payment_id else None
    if order.type != ONETIME or order.status != "completed" or payment is None or payment.status != "succeeded":
        raise errors.EVENT_NEEDS_PAID_ORDER.error(event=event_type, status=order.status)
    event = order_completed(tx, order, payment, payment.updated_at or now)
    return [delivery if delivery.attempt_count == 0 and delivery.status == PENDING else _again(tx, delivery, now)
            for delivery in publish(tx, event, now)]


def _again(tx: Transaction, delivery: WebhookDelivery, now: datetime) -> WebhookDelivery:
    if delivery.sender is not None:
        raise errors.DELIVERY_IN_FLIGHT.error()
    webhook = tx.get(Webhook, delivery.webhook_id)
    again = replace(delivery, status=PENDING, next_attempt_at=now, signed_at=None, updated_at=now,
                    url=webhook.url if webhook else delivery.url,
                    max_attempts=max(delivery.max_attempts, delivery.attempt_count + 1) if delivery.status == PENDING
                    else delivery.attempt_count + 1)
    tx.save(again, "status", "next_attempt_at", "signed_at", "updated_at", "url", "max_attempts")
    return again


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)

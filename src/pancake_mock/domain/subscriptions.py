"""Subscription orders after their first payment, as the SDK's state machine draws them.

The first payment makes an order `active` in its first billing period. From then on the business
clock drives it: when it reaches a period's end, an active subscription renews (a new payment,
`periodNumber` + 1) or, if the card fails, goes `past_due` with one retry a few days later, which
recovers it or cancels it; a `canceling` one ends `canceled` there. cancel-order takes a pending
one to `canceled` at once and an active or past_due one to `canceling`; reactivate-order takes a
canceling one back to `active`. A plan-change session, confirmed, changes the plan at once (its
charge on the kept card: the session's changeAmount, else the price difference for the rest of
the period) or at the next period's start, when the renewal charges the new plan. Each change
publishes its webhook event in its own transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from .. import codec
from . import errors, events, orders, payments  # payments activates subscriptions: each uses the other's at call time
from .auth import BuyerPrincipal, MerchantPrincipal
from .checkout import is_usable
from .model import SUBSCRIPTION, CardInfo, CheckoutSession, Order, Payment, ProductVersion, Subscription
from .money import display, quantize
from .ports import Transaction
from .reads import Condition
from .tax import TaxResult

# Where cancel-order takes a subscription from each state it may leave: a pending one ends at once,
# a paying one runs to its period's end.
CANCELED_FROM = {"pending": "canceled", "active": "canceling", "past_due": "canceling"}
PERIODS = {"weekly": relativedelta(weeks=1), "monthly": relativedelta(months=1),
           "quarterly": relativedelta(months=3), "yearly": relativedelta(years=1)}
RETRY_AFTER = timedelta(days=3)  # the channel's one retry of a failed renewal
DUE_PER_PASS = 100  # subscriptions taken per query while the clock catches up


def activate(tx: Transaction, order: Order, payment: Payment, card: CardInfo, renewal_decline: str | None,
             now: datetime) -> Subscription:
    """The first payment succeeded: the first period starts now, a trial's (period 0 when it is
    free, 1 when it was paid for) or a regular one."""
    version = tx.get(ProductVersion, (order.product_id, order.product_version))
    period = version.billing_period if version and version.billing_period else "monthly"
    if order.special_phase_days and order.special_phase is not None:
        anchor = now + timedelta(days=order.special_phase_days)
        number, regular = (1 if order.special_phase.total > 0 else 0), 0
    else:
        anchor, number, regular = now, 1, 1
    end = anchor + PERIODS[period] * regular
    subscription = Subscription(order_id=order.id, billing_period=period, anchor=anchor, period_number=number,
                                regular_periods=regular, current_period_start=now, current_period_end=end, card=card,
                                due=end, renewal_decline=renewal_decline)
    tx.add(subscription)
    events.publish(tx, events.subscription_changed(tx, events.ACTIVATED, order, subscription, now, payment), now)
    events.publish(tx, events.subscription_payment(tx, order, subscription, payment, now), now)
    return subscription


def close_lapsed(tx: Transaction, now: datetime) -> int:
    """A pending subscription whose checkout lapsed unpaid never began: it is `closed`, its
    payment canceled (a one-time order stays pending, as on the real API)."""
    found = tx.select(Order, lapsed(now), ("created_at", "id"), None, 0, False)
    for order in found:
        payments.cancel_pending(tx, order, order.created_at + payments.PAYMENT_WINDOW)
        _set(tx, order, "closed", order.created_at + payments.PAYMENT_WINDOW)
    return len(found)


def lapsed(now: datetime) -> tuple[Condition, ...]:
    """Pending subscription orders whose checkout has lapsed by `now`."""
    return (Condition("status", "eq", "pending"), Condition("type", "eq", SUBSCRIPTION),
            Condition("created_at", "lte", now - payments.PAYMENT_WINDOW))


def catch_up(tx: Transaction, now: datetime) -> int:
    """Everything the clock has reached by `now`, in the order it was reached: each renewal,
    retry and end of a canceling period, at its own moment. The number of steps taken."""
    steps = 0
    while True:
        due = tx.select(Subscription, (Condition("due", "lte", now),), ("due", "order_id"), DUE_PER_PASS, 0, False)
        if not due:
            return steps
        for subscription in due:
            _step(tx, subscription, tx.get(Order, subscription.order_id))
            steps += 1


def _step(tx: Transaction, subscription: Subscription, order: Order) -> None:
    at = subscription.due
    assert at is not None
    if order.status == "canceling":
        _end(tx, subscription, order, at)
    elif subscription.retrying:
        payment = _charge(tx, subscription, order, at)
        if payment.status == "succeeded":
            subscription.retrying, subscription.due = False, subscription.current_period_end
            _set(tx, order, "active", at)
            _save(tx, subscription)
            events.publish(tx, events.subscription_payment(tx, order, subscription, payment, at), at)
            events.publish(tx, events.subscription_changed(tx, events.RECOVERED, order, subscription, at, payment,
                                                           suffix=f"recovered-{at.date().isoformat()}"), at)
        else:
            _end(tx, subscription, order, at)
    elif order.status == "active":
        if subscription.pending_change:  # the new plan's first period begins here
            _switch_plan(tx, order, subscription, at)
        _next_period(subscription)
        payment = _charge(tx, subscription, order, at)
        if payment.status == "succeeded":
            subscription.due = subscription.current_period_end
            _save(tx, subscription)
            events.publish(tx, events.subscription_payment(tx, order, subscription, payment, at), at)
            events.publish(tx, events.subscription_changed(
                tx, events.RENEWED, order, subscription, at, payment,
                suffix=f"renewed-{subscription.current_period_end.date().isoformat()}"), at)
        else:
            subscription.retrying, subscription.due = True, at + RETRY_AFTER
            _set(tx, order, "past_due", at)
            _save(tx, subscription)
            events.publish(tx, events.subscription_changed(tx, events.PAST_DUE, order, subscription, at, payment,
                                                           suffix=f"past_due-{at.date().isoformat()}"), at)
    else:  # canceled by other means meanwhile: nothing more to do
        subscription.due = None
        _save(tx, subscription)


def _next_period(subscription: Subscription) -> None:
    period = PERIODS[subscription.billing_period]
    subscription.period_number += 1
    subscription.regular_periods += 1
    subscription.current_period_start = subscription.current_period_end
    subscription.current_period_end = subscription.anchor + period * subscription.regular_periods


def _charge(tx: Transaction, subscription: Subscription, order: Order, at: datetime,
            amount: str | None = None) -> Payment:
    """A payment on the kept card (the plan's price, unless `amount` says otherwise): declined when
    the card declines renewals or the control plane planned a failure."""
    taken = Decimal(0)
    if amount is None:  # a renewal: what a plan change credited comes off it, once it is paid
        price = order.price_snapshot.total
        taken = min(Decimal(subscription.credit), price)
        amount = display(price - taken, order.currency)
    reason = None
    if subscription.failing_renewals:
        subscription.failing_renewals -= 1
        reason = "card_declined"
    elif subscription.renewal_decline:
        reason = subscription.renewal_decline
    payment = Payment(id=tx.new_id("PAY"), order_id=order.id, status="failed" if reason else "succeeded",
                      currency=order.currency, amount=amount, created_at=at,
                      card=subscription.card, failure_reason=reason, updated_at=at)
    tx.add(payment)
    if reason is None and taken:
        subscription.credit = display(Decimal(subscription.credit) - taken, order.currency)
    order.payment_id = payment.id
    tx.save(order, "payment_id")
    return payment


def _end(tx: Transaction, subscription: Subscription, order: Order, at: datetime) -> None:
    subscription.due, subscription.retrying = None, False
    subscription.canceled_at = subscription.canceled_at or at
    _set(tx, order, "canceled", at)
    _save(tx, subscription)
    events.publish(tx, events.subscription_changed(tx, events.CANCELED, order, subscription, at), at)


def _set(tx: Transaction, order: Order, status: str, at: datetime) -> None:
    order.status, order.updated_at = status, at
    tx.save(order, "status", "updated_at")


def _save(tx: Transaction, subscription: Subscription) -> None:
    tx.save(subscription, "period_number", "regular_periods", "current_period_start", "current_period_end", "due",
            "failing_renewals", "retrying", "canceled_at", "pending_change", "pending_price", "billing_period",
            "anchor", "credit")


def cancel_subscription(tx: Transaction, caller: MerchantPrincipal | BuyerPrincipal, order_id: str,
                        now: datetime) -> Order:
    order = payments.owned_order(tx, caller, order_id, SUBSCRIPTION)
    target = CANCELED_FROM.get(order.status)
    if target is None:
        raise errors.SUBSCRIPTION_NOT_CANCELABLE.error(status=order.status)
    if target == "canceled":
        return payments.cancel_pending(tx, order, now)
    subscription = tx.get(Subscription, order.id)
    was_past_due = order.status == "past_due"
    _set(tx, order, target, now)
    if subscription is not None:
        # An active one ends with its paid period; a past_due one at the retry it will not get.
        subscription.canceled_at, subscription.retrying = now, False
        subscription.due = subscription.due if was_past_due else subscription.current_period_end
        _save(tx, subscription)
        events.publish(tx, events.subscription_changed(tx, events.CANCELING, order, subscription, now,
                                                       suffix=codec.timestamp(now)), now)
    return order


def reactivate_subscription(tx: Transaction, buyer: BuyerPrincipal, order_id: str, now: datetime) -> Order:
    """Undo a cancellation before it takes effect."""
    order = payments.owned_order(tx, buyer, order_id, SUBSCRIPTION)
    if order.status != "canceling":
        raise errors.ONLY_CANCELING_REACTIVATES.error()
    last = tx.get(Payment, order.payment_id)
    if last is not None and last.status == "failed":  # canceled while past_due
        raise errors.UNPAID_BALANCE.error()
    _set(tx, order, "active", now)
    subscription = tx.get(Subscription, order.id)
    if subscription is not None:
        subscription.canceled_at, subscription.due = None, subscription.current_period_end
        _save(tx, subscription)
        events.publish(tx, events.subscription_changed(tx, events.UNCANCELED, order, subscription, now,
                                                       suffix=codec.timestamp(now)), now)
    return order


def change_plan(tx: Transaction, session_id: str, rules: orders.OrderRules, now: datetime) -> Order:
    """Carry out a confirmed plan-change session."""
    session = tx.get(CheckoutSession, session_id)
    if session is None or session.plan_change is None:
        raise errors.NOT_FOUND.error()
    if not is_usable(session, now):
        raise errors.SESSION_INVALID.error()
    change = session.plan_change
    order = tx.get(Order, change.origin_order_id)
    subscription = tx.get(Subscription, order.id) if order else None
    if order is None or subscription is None or order.status != "active":
        raise errors.PLAN_NOT_CHANGEABLE.error(status=order.status if order else "pending")
    price = orders.requote(order, session, now, rules)
    session.status = "completed"
    tx.save(session, "status")
    if change.change_credit_amount is not None:
        subscription.credit = display(Decimal(subscription.credit) + Decimal(change.change_credit_amount), order.currency)
    timing = change.timing or ("immediate" if price.total >= order.price_snapshot.total else "next_period")
    if timing == "next_period":
        subscription.pending_change, subscription.pending_price = session.id, price
        _save(tx, subscription)
        events.publish(tx, events.subscription_changed(tx, events.PLAN_CHANGE_SCHEDULED, order, subscription, now,
                                                       suffix=f"plan_change_scheduled-{codec.timestamp(now)}"), now)
        return order
    charge = Decimal(change.change_amount) if change.change_amount is not None else _prorated(subscription, order, price, now)
    payment = None
    if charge > 0:
        payment = _charge(tx, subscription, order, now, display(charge, order.currency))
        if payment.status != "succeeded":
            _save(tx, subscription)  # the control plane's planned failure is used up
            events.publish(tx, events.subscription_changed(tx, events.PLAN_CHANGE_FAILED, order, subscription, now,
                                                           payment, suffix=f"plan_change_failed-{codec.timestamp(now)}"), now)
            return order
        events.publish(tx, events.subscription_payment(tx, order, subscription, payment, now), now)
    subscription.pending_change, subscription.pending_price = session.id, price
    _switch_plan(tx, order, subscription, now, payment)
    return order


def _prorated(subscription: Subscription, order: Order, price: TaxResult, now: datetime) -> Decimal:
    """The price difference for what is left of the current period; nothing for a cheaper plan."""
    whole = (subscription.current_period_end - subscription.current_period_start).total_seconds()
    left = max(0.0, (subscription.current_period_end - now).total_seconds())
    difference = (price.total - order.price_snapshot.total) * Decimal(left / whole if whole else 0)
    return max(Decimal(0), quantize(difference, order.currency))


def _switch_plan(tx: Transaction, order: Order, subscription: Subscription, at: datetime,
                 payment: Payment | None = None) -> None:
    """The order takes the pending change's plan and price from here on."""
    session = tx.get(CheckoutSession, subscription.pending_change)
    assert session is not None and subscription.pending_price is not None
    order.product_id, order.product_version = session.product_id, session.product_version
    order.price_snapshot, order.updated_at = subscription.pending_price, at
    tx.save(order, "product_id", "product_version", "price_snapshot", "updated_at")
    version = tx.get(ProductVersion, (session.product_id, session.product_version))
    if version is not None and version.billing_period and version.billing_period != subscription.billing_period:
        # Periods of the new length count from the end of the current one.
        subscription.billing_period = version.billing_period
        subscription.anchor, subscription.regular_periods = subscription.current_period_end, 0
    subscription.pending_change = subscription.pending_price = None
    _save(tx, subscription)
    events.publish(tx, events.subscription_changed(tx, events.PLAN_CHANGED, order, subscription, at, payment,
                                                   suffix=f"plan_changed-{codec.timestamp(at)}"), at)


def plan_failures(tx: Transaction, order_id: str, count: int) -> Subscription:
    """The control plane's rule: the next `count` renewal charges of this subscription fail."""
    subscription = tx.get(Subscription, order_id)
    if subscription is None:
        raise errors.SUBSCRIPTION_NOT_FOUND.error()
    subscription.failing_renewals = count
    _save(tx, subscription)
    return subscription


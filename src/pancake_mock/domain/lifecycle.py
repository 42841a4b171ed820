"""What business time brings about by itself: a subscription's renewals, retries and period ends,
a pending subscription's lapsed checkout, and refunds carried out. It runs when the clock is moved, in that transaction, and each second for
the time that passes on its own (adapters/ticker.py)."""

from __future__ import annotations

from datetime import datetime

from . import refunds, subscriptions
from .model import Order, RefundTicket, Subscription
from .ports import Transaction
from .reads import Condition


def catch_up(tx: Transaction, now: datetime) -> int:
    """Every step due by `now`; how many were taken."""
    return subscriptions.close_lapsed(tx, now) + subscriptions.catch_up(tx, now) + refunds.settle_due(tx, now)


def anything_due(tx: Transaction, now: datetime) -> bool:
    """Whether `catch_up` would do anything: a read, so that an idle second writes nothing."""
    return bool(tx.select(Subscription, (Condition("due", "lte", now),), ("due", "order_id"), 1, 0, False)
                or tx.select(Order, subscriptions.lapsed(now), ("created_at", "id"), 1, 0, False)
                or tx.select(RefundTicket, (Condition("status", "eq", "processing"),
                                            Condition("reviewed_at", "lte", now - refunds.REFUND_TAKES)),
                             ("reviewed_at", "id"), 1, 0, False))

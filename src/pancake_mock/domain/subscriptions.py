"""Subscription orders after their first payment: cancel-order and reactivate-order, as the SDK's
state machine draws them (pending → canceled; active or past_due → canceling; canceling → active)."""

from __future__ import annotations

from datetime import datetime

from . import errors
from .auth import BuyerPrincipal, MerchantPrincipal
from .model import SUBSCRIPTION, Order
from .payments import cancel_pending, owned_order
from .ports import Transaction

# Where cancel-order takes a subscription from each state it may leave: a pending one ends at once,
# a paying one runs to its period's end.
CANCELED_FROM = {"pending": "canceled", "active": "canceling", "past_due": "canceling"}


def cancel_subscription(tx: Transaction, caller: MerchantPrincipal | BuyerPrincipal, order_id: str,
                        now: datetime) -> Order:
    order = owned_order(tx, caller, order_id, SUBSCRIPTION)
    target = CANCELED_FROM.get(order.status)
    if target is None:
        raise errors.SUBSCRIPTION_NOT_CANCELABLE.error(status=order.status)
    if target == "canceled":
        return cancel_pending(tx, order, now)
    order.status, order.updated_at = target, now
    tx.save(order, "status", "updated_at")
    return order


def reactivate_subscription(tx: Transaction, buyer: BuyerPrincipal, order_id: str, now: datetime) -> Order:
    """Undo a cancellation before it takes effect."""
    order = owned_order(tx, buyer, order_id, SUBSCRIPTION)
    if order.status != "canceling":
        raise errors.ONLY_CANCELING_REACTIVATES.error()
    order.status, order.updated_at = "active", now
    tx.save(order, "status", "updated_at")
    return order

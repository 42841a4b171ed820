"""Trials: whether a buyer gets a subscription's trial (checkout/preview-trial, and create-order,
which makes the trial the order's first phase)."""

from __future__ import annotations

from datetime import datetime

from .auth import BuyerPrincipal, StorefrontPrincipal
from .buyers import is_email, normalize_email
from .catalog import trial_days
from .commands import PreviewTrial
from .model import SUBSCRIPTION, CheckoutSession, Order, ProductGroup, ProductVersion
from . import orders  # orders asks this module for a buyer's trial: each uses the other's at call time
from .ports import Transaction

GUEST = "guest:"  # the identity of a token the hosted page was served with: nobody in particular
# The order statuses of a subscription that never began: it used no trial.
NEVER_BEGAN = frozenset({"pending", "canceled"})


def preview_trial(tx: Transaction, caller: BuyerPrincipal | StorefrontPrincipal, command: PreviewTrial,
                  now: datetime) -> tuple[bool, int | None]:
    """(eligible, trial days) for the session's buyer: the session's `withTrial` decides when it was
    set; otherwise a buyer is eligible unless an order of theirs already began on the product or,
    when its group shares one trial, on any product of the group. A visitor nobody knows is."""
    session = orders.usable_session(tx, caller, command.checkout_session_id, SUBSCRIPTION, now)
    days = _days(tx, session)
    if days is None:
        return False, None
    identity = caller.token.buyer_identity if isinstance(caller, BuyerPrincipal) else command.buyer_identity
    return _eligible(tx, session, identity), days


def trial_of(tx: Transaction, session: CheckoutSession, identity: str | None) -> int | None:
    """The trial days this buyer's order of the session begins with; None for none."""
    days = _days(tx, session)
    return days if days is not None and _eligible(tx, session, identity) else None


def _days(tx: Transaction, session: CheckoutSession) -> int | None:
    version = tx.get(ProductVersion, (session.product_id, session.product_version))
    return trial_days(version.metadata) if version else None


def _eligible(tx: Transaction, session: CheckoutSession, identity: str | None) -> bool:
    if session.options.with_trial is not None:
        return session.options.with_trial
    if not identity or identity.startswith(GUEST):
        return True
    return not _trial_used(tx, session, identity)


def _trial_used(tx: Transaction, session: CheckoutSession, identity: str) -> bool:
    products = {session.product_id}
    for group in tx.find(ProductGroup, store_id=session.store_id, environment=session.environment):
        if group.rules.shared_trial and session.product_id in group.product_ids:
            products.update(group.product_ids)
    orders = tx.find(Order, store_id=session.store_id, buyer_identity=identity)
    if is_email(identity):  # the same buyer checking out under their e-mail address
        orders += tx.find(Order, store_id=session.store_id, buyer_email=normalize_email(identity))
    return any(order.product_id in products and order.environment == session.environment
               and order.status not in NEVER_BEGAN for order in orders)

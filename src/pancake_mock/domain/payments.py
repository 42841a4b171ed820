"""An order's life after create-order, in one place: paid on the PSP's hosted page, or canceled.

A one-time order is `pending` until a payment succeeds (`completed`) or its buyer cancels it
(`canceled`, its pending payment with it); a subscription's first payment makes it `active`. Each
charge of a card settles the order's pending payment: `succeeded` (the order completes and the
checkout closes) or `failed` with its reason (the order stays pending and the next card gets a
new payment). A closed, canceled or expired checkout charges nothing, so a second submission of
the same form is answered, not charged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from . import cards, errors, events, subscriptions
from .auth import BuyerPrincipal, MerchantPrincipal
from .model import ONETIME, SUBSCRIPTION, CardInfo, Challenge, CheckoutSession, Order, Payment, Store
from .money import display
from .ports import Psp, PspCheckout, Transaction

# The roles whose tokens may cancel their orders; a single-use `shopper` token made its one order.
CANCELING_ROLES = ("customer", "buyer")
# What a succeeded payment makes an order of each type.
PAID_STATUS = {ONETIME: "completed", SUBSCRIPTION: "active"}
# How long a hosted checkout takes payments, as a real PSP's session does.
PAYMENT_WINDOW = timedelta(hours=24)

PAYABLE = "payable"
CHALLENGED = "challenged"  # a 3-D Secure challenge waits for the buyer
PAID = "paid"
CANCELED = "canceled"
EXPIRED = "expired"


@dataclass(frozen=True)
class PaymentPage:
    """What the payment page shows, and in which state the checkout is."""

    checkout: PspCheckout
    order: Order
    store: Store
    product_name: str
    state: str


@dataclass(frozen=True)
class Attempt:
    """The outcome of a card submitted (or a challenge answered) on the page."""

    page: PaymentPage
    payment: Payment | None = None  # the payment settled by this attempt
    problems: dict[str, str] = field(default_factory=dict)  # inline errors: nothing was charged

    @property
    def succeeded(self) -> bool:
        return self.payment is not None and self.payment.status == "succeeded"


def payment_page(tx: Transaction, psp: Psp, token: str, now: datetime) -> PaymentPage:
    checkout = psp.checkout(tx, token)
    order = tx.get(Order, checkout.order_id) if checkout else None
    store = tx.get(Store, order.store_id) if order else None
    if checkout is None or order is None or store is None:
        raise errors.NOT_FOUND.error()
    return PaymentPage(checkout, order, store, _product_name(tx, order), _state(checkout, order, now))


def pay(tx: Transaction, psp: Psp, token: str, entry: cards.CardEntry, now: datetime) -> Attempt:
    page = payment_page(tx, psp, token, now)
    if page.state not in (PAYABLE, CHALLENGED):  # a new card replaces a challenge left unanswered
        return Attempt(page)
    card = cards.read_card(entry, now.date())
    if isinstance(card, dict):
        return Attempt(page, problems=card)
    if card.outcome == cards.CHALLENGE:
        checkout = replace(page.checkout, challenge=Challenge(
            card.info, None if card.then == cards.SUCCEEDS else card.then))
        psp.update_checkout(tx, checkout)
        return Attempt(replace(page, checkout=checkout, state=CHALLENGED))
    return _settle(tx, psp, page, card.info, None if card.outcome == cards.SUCCEEDS else card.outcome, now,
                   card.renewals)


def answer_challenge(tx: Transaction, psp: Psp, token: str, passed: bool, now: datetime) -> Attempt:
    """The buyer completed or failed the 3-D Secure challenge of the card they submitted."""
    page = payment_page(tx, psp, token, now)
    challenge = page.checkout.challenge
    if page.state != CHALLENGED or challenge is None:
        return Attempt(page)
    page = replace(page, checkout=replace(page.checkout, challenge=None), state=PAYABLE)
    return _settle(tx, psp, page, challenge.card, challenge.failure_reason if passed else "authentication_failed", now)


def pay_order(tx: Transaction, psp: Psp, order_id: str, card_number: str, challenge_passed: bool,
              now: datetime) -> Attempt:
    """Pay an order as its payment page would, without a browser (the control plane): the card's
    expiry is five years ahead, its CVC well formed, a 3-D Secure challenge answered at once."""
    order = tx.get(Order, order_id)
    checkout = psp.checkout_of(tx, order) if order else None
    if order is None or checkout is None:
        raise errors.ORDER_NOT_FOUND.error()
    page = payment_page(tx, psp, checkout.token, now)
    if page.state == EXPIRED:
        raise errors.PAYMENT_PAGE_EXPIRED.error()
    if page.state not in (PAYABLE, CHALLENGED):
        raise errors.ORDER_NOT_PAYABLE.error(status=order.status)
    cvc = "1234" if cards.brand_of(card_number) == "amex" else "123"
    attempt = pay(tx, psp, checkout.token, cards.CardEntry(card_number, f"12/{now.year + 5}", cvc), now)
    if attempt.problems:
        raise errors.CARD_REFUSED.error(problems=" ".join(attempt.problems.values()))
    if attempt.page.state == CHALLENGED:
        attempt = answer_challenge(tx, psp, checkout.token, challenge_passed, now)
    return attempt


def payments_of(tx: Transaction, order: Order) -> list[Payment]:
    """An order's payments, oldest first."""
    return sorted(tx.find(Payment, order_id=order.id), key=lambda payment: (payment.created_at, payment.id))


def owned_order(tx: Transaction, caller: BuyerPrincipal | MerchantPrincipal, order_id: str, order_type: str) -> Order:
    """An order of this type the caller may act on: one of the merchant's stores', or the token's
    buyer's own (made with a token of the same store and identity, and a role that may change it)."""
    order = tx.get(Order, order_id)
    if order is None or order.type != order_type or order.environment != caller.environment:
        raise errors.ORDER_NOT_FOUND.error()
    if isinstance(caller, MerchantPrincipal):
        store = tx.get(Store, order.store_id)
        if store is None or store.merchant_id != caller.merchant_id:
            raise errors.ORDER_NOT_FOUND.error()
    elif (order.store_id, order.buyer_identity) != (caller.store_id, caller.token.buyer_identity) \
            or caller.token.role not in CANCELING_ROLES:
        raise errors.ORDER_NOT_OWNED.error()
    return order


def cancel_pending(tx: Transaction, order: Order, now: datetime) -> Order:
    """A pending order is canceled, and its payment with it: its payment page then charges nothing."""
    order.status, order.updated_at = "canceled", now
    tx.save(order, "status", "updated_at")
    payment = tx.get(Payment, order.payment_id)
    if payment is not None and payment.status == "pending":
        payment.status = "canceled"
        tx.save(payment, "status")
    return order


def cancel_order(tx: Transaction, buyer: BuyerPrincipal, order_id: str, now: datetime) -> Order:
    """Cancel a pending one-time order of this buyer."""
    order = owned_order(tx, buyer, order_id, ONETIME)
    if order.status != "pending":
        raise errors.ORDER_NOT_CANCELABLE.error(status=order.status)
    return cancel_pending(tx, order, now)


def _settle(tx: Transaction, psp: Psp, page: PaymentPage, card: CardInfo, reason: str | None,
            now: datetime, renewal_decline: str | None = None) -> Attempt:
    order, checkout = page.order, page.checkout
    payment = tx.get(Payment, order.payment_id)
    if payment is None or payment.status != "pending":  # an earlier card failed: this one is a new payment
        payment = Payment(id=tx.new_id("PAY"), order_id=order.id, status="pending", currency=order.currency,
                          amount=display(order.price_snapshot.total, order.currency), created_at=now)
        tx.add(payment)
        order.payment_id = payment.id
        tx.save(order, "payment_id")
    payment.status = "failed" if reason else "succeeded"
    payment.card, payment.failure_reason, payment.updated_at = card, reason, now
    tx.save(payment, "status", "card", "failure_reason", "updated_at")
    psp.journal_charge(tx, checkout, card, reason, now)
    if reason is None:
        order.status, order.updated_at = PAID_STATUS[order.type], now
        tx.save(order, "status", "updated_at")
        checkout = replace(checkout, status="completed")
        # Events go out in this transaction: the outbox.
        if order.type == SUBSCRIPTION:
            subscriptions.activate(tx, order, payment, card, renewal_decline, now)
        else:
            events.publish(tx, events.order_completed(tx, order, payment, now), now)
    psp.update_checkout(tx, checkout)
    return Attempt(replace(page, checkout=checkout, order=order, state=_state(checkout, order, now)), payment)


def _state(checkout: PspCheckout, order: Order, now: datetime) -> str:
    if checkout.status == "completed":
        return PAID
    if order.status == "canceled":
        return CANCELED
    if now >= checkout.created_at + PAYMENT_WINDOW:
        return EXPIRED
    return CHALLENGED if checkout.challenge is not None else PAYABLE


def _product_name(tx: Transaction, order: Order) -> str:
    session = tx.get(CheckoutSession, order.checkout_session_id)
    return session.options.product_name if session else ""

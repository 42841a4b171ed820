"""Refund tickets: refund-ticket/create-ticket and resubmit-ticket, and the review that stands in
for the merchant's dashboard. A buyer's ticket waits for review (`pending`); a merchant's is
approved as it is made (`processing`). A processing ticket is carried out a minute of business time
later (`succeeded`, with its refund), or at once by the control plane with the outcome it asks for;
either publishes `refund.succeeded` or `refund.failed`. A payment's refund status is its latest
ticket's. The order's status does not change."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from . import errors, events
from .auth import BuyerPrincipal, MerchantPrincipal
from .commands import CreateRefundTicket, RequestedAmount, ResubmitRefundTicket, ReviewRefundTicket
from .model import Order, Payment, RefundTicket
from .money import display
from .payments import owned_order
from .ports import Transaction
from .reads import Condition

WINDOW = timedelta(days=14)  # of business time after the payment succeeded
# A payment has at most one ticket in these states at a time.
OPEN = frozenset({"pending", "under_review", "approved", "processing", "succeeded"})
REVIEWER = "mock-dashboard"  # who the control plane's review is recorded as
REFUND_TAKES = timedelta(minutes=1)  # of business time, from approval to the PSP's answer
# A payment's refundStatus (none | pending | refunded | failed) from its latest ticket.
REFUND_STATUS = {"pending": "pending", "under_review": "pending", "approved": "pending", "processing": "pending",
                 "succeeded": "refunded", "failed": "failed"}


def _payment(tx: Transaction, caller: MerchantPrincipal | BuyerPrincipal, payment_id: str) -> tuple[Payment, Order]:
    """The payment, if its order is one the caller may act on; any other is not there for them."""
    payment = tx.get(Payment, payment_id)
    order = tx.get(Order, payment.order_id) if payment else None
    if order is None:
        raise errors.PAYMENT_NOT_FOUND.error()
    try:
        owned_order(tx, caller, order.id, order.type)
    except errors.ApiError:
        raise errors.PAYMENT_NOT_FOUND.error() from None
    return payment, order


def _requested(payment: Payment, requested: RequestedAmount, now: datetime) -> str:
    """The amount asked for, in display form, once it fits the payment."""
    if payment.status != "succeeded":
        raise errors.PAYMENT_NOT_SUCCEEDED.error(status=payment.status)
    if now > (payment.updated_at or payment.created_at) + WINDOW:
        raise errors.REFUND_WINDOW.error(days=WINDOW.days)
    value = Decimal(requested.amount)  # the contract's PriceAmount
    if Decimal(display(value, payment.currency)) != value:  # more decimals than the currency has
        raise errors.REFUND_AMOUNT_FORMAT.error()
    if requested.currency != payment.currency:
        raise errors.REFUND_CURRENCY.error(currency=payment.currency)
    if not Decimal(0) < value <= Decimal(payment.amount):
        raise errors.REFUND_AMOUNT.error(amount=payment.amount)
    return display(value, payment.currency)


def create_ticket(tx: Transaction, caller: MerchantPrincipal | BuyerPrincipal, command: CreateRefundTicket,
                  now: datetime) -> RefundTicket:
    payment, order = _payment(tx, caller, command.payment_id)
    amount = _requested(payment, command.requested_amount, now)
    if any(ticket.status in OPEN for ticket in tx.find(RefundTicket, payment_id=payment.id)):
        raise errors.REFUND_OPEN.error()
    merchant = isinstance(caller, MerchantPrincipal)
    ticket = RefundTicket(
        id=tx.new_id("TKT"), payment_id=payment.id, store_id=order.store_id, environment=order.environment,
        status="processing" if merchant else "pending",
        submitter_id=caller.merchant_id if merchant else caller.token.buyer_identity,
        submitter_type="merchant" if merchant else "customer", reason=command.reason, amount=amount,
        currency=payment.currency, version_number=1, created_at=now, updated_at=now, metadata=command.metadata or {},
        refund_ticket_merchant_external_id=command.refund_ticket_merchant_external_id,
        reviewer_id=caller.merchant_id if merchant else None, reviewed_at=now if merchant else None)
    tx.add(ticket)
    return ticket


def resubmit_ticket(tx: Transaction, buyer: BuyerPrincipal, command: ResubmitRefundTicket, now: datetime) -> RefundTicket:
    """A rejected ticket's next version, pending review again."""
    ticket = tx.get(RefundTicket, command.ticket_id)
    if ticket is None or ticket.environment != buyer.environment or (ticket.store_id, ticket.submitter_id) != (
            buyer.store_id, buyer.token.buyer_identity):
        raise errors.TICKET_NOT_FOUND.error()
    if command.payment_id != ticket.payment_id:
        raise errors.TICKET_PAYMENT.error()
    if ticket.status != "rejected":
        raise errors.TICKET_NOT_REJECTED.error(status=ticket.status)
    payment, _order = _payment(tx, buyer, ticket.payment_id)
    ticket.amount = _requested(payment, command.requested_amount, now)
    ticket.reason, ticket.status, ticket.version_number = command.reason, "pending", ticket.version_number + 1
    ticket.reviewer_id = ticket.reviewed_at = ticket.review_note = ticket.reject_reason = None
    ticket.updated_at = now
    tx.save(ticket, "amount", "reason", "status", "version_number", "reviewer_id", "reviewed_at", "review_note",
            "reject_reason", "updated_at")
    return ticket


def review_ticket(tx: Transaction, command: ReviewRefundTicket, now: datetime) -> RefundTicket:
    """The control plane's stand-in for the merchant's dashboard: approve (then `processing`) or reject."""
    ticket = tx.get(RefundTicket, command.ticket_id)
    if ticket is None:
        raise errors.TICKET_NOT_FOUND.error()
    if ticket.status != "pending":
        raise errors.TICKET_NOT_PENDING.error(status=ticket.status)
    approved = command.decision == "approve"
    ticket.status = "processing" if approved else "rejected"
    ticket.reject_reason = None if approved else (command.reject_reason or "Rejected by the merchant")
    ticket.reviewer_id, ticket.reviewed_at, ticket.review_note, ticket.updated_at = REVIEWER, now, command.note, now
    tx.save(ticket, "status", "reject_reason", "reviewer_id", "reviewed_at", "review_note", "updated_at")
    return ticket


def settle_due(tx: Transaction, now: datetime) -> int:
    """Carry out the processing tickets whose minute has passed by `now`, each at its own moment."""
    due = tx.select(RefundTicket, (Condition("status", "eq", "processing"), Condition("reviewed_at", "lte", now - REFUND_TAKES)),
                    ("reviewed_at", "id"), None, 0, False)
    for ticket in due:
        _carry_out(tx, ticket, "succeeded", (ticket.reviewed_at or now) + REFUND_TAKES)
    return len(due)


def settle_now(tx: Transaction, ticket_id: str, outcome: str, now: datetime) -> RefundTicket:
    """The control plane's: the PSP answers a processing ticket now, `succeeded` or `failed`."""
    ticket = tx.get(RefundTicket, ticket_id)
    if ticket is None:
        raise errors.TICKET_NOT_FOUND.error()
    if ticket.status != "processing":
        raise errors.TICKET_NOT_PROCESSING.error(status=ticket.status)
    return _carry_out(tx, ticket, outcome, now)


def refund_status(tickets: list[RefundTicket]) -> str:
    latest = max(tickets, key=lambda ticket: (ticket.created_at, ticket.id), default=None)
    return REFUND_STATUS.get(latest.status, "none") if latest else "none"


def _carry_out(tx: Transaction, ticket: RefundTicket, outcome: str, at: datetime) -> RefundTicket:
    ticket.status, ticket.executed_at, ticket.updated_at, ticket.refund_id = outcome, at, at, tx.new_id("REF")
    tx.save(ticket, "status", "executed_at", "updated_at", "refund_id")
    payment = tx.get(Payment, ticket.payment_id)
    order = tx.get(Order, payment.order_id) if payment else None
    if payment is not None and order is not None:
        events.publish(tx, events.refund_settled(tx, ticket, payment, order, at), at)
    return ticket

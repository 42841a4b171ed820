"""Order creation from a checkout session: the seed endpoint's rules, in its order."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from datetime import date, datetime

from . import errors, tax, trials  # trials reads sessions through this module: each uses the other's at call time
from .auth import BuyerPrincipal, StorefrontPrincipal
from .checkout import checked_email, checked_url, is_usable
from .commands import CreateOrder, PreviewTax
from .model import SUBSCRIPTION, CheckoutSession, Order, Payment
from .money import display
from .ports import Psp, PspCheckoutRequest, Transaction


@dataclass(frozen=True)
class OrderRules:
    """How this deployment taxes: where the seller is established, its rate table, its IP map."""

    seller: tax.SellerEstablishment = tax.DEFAULT_SELLER
    rates: tax.RateTable = tax.RATE_TABLE
    ip_map: tax.IpMap = tax.DEFAULT_IP_MAP


@dataclass(frozen=True)
class OrderDraft:
    """What create-order reads and works out before its unit of work takes the store's writer: the
    session as it was then, the billing detail normalized, and the sale taxed. The unit uses it only
    if the session is still open, since nothing changes an open session but its order, which closes
    it; and the quote only on the business day it was made for, since a sale's tax depends on its
    date alone."""

    session: CheckoutSession
    billing: tax.BillingDetail
    quote: tax.TaxResult
    day: date


def draft_order(tx: Transaction, command: CreateOrder, now: datetime, rules: OrderRules) -> OrderDraft | None:
    """The draft, on a snapshot; None when the unit must read for itself (no open session, or a
    request it will refuse, in the order of the seed's rules)."""
    session = tx.get(CheckoutSession, command.checkout_session_id)
    if session is None or session.status != "open":
        return None
    try:
        billing = _billing(command.billing_detail, session)
        return OrderDraft(session, billing, _quote(session, billing, command.buyer_ip, now, rules), now.date())
    except errors.ApiError:
        return None


def usable_session(tx: Transaction, caller: BuyerPrincipal | StorefrontPrincipal, session_id: str,
                    order_type: str | None, now: datetime, draft: OrderDraft | None = None) -> CheckoutSession:
    """The open session this caller may use; `order_type` None accepts either product type."""
    if draft is not None and tx.field(CheckoutSession, session_id, "status") == "open":
        session = draft.session
    else:
        session = tx.get(CheckoutSession, session_id)
    if not is_usable(session, now):
        raise errors.SESSION_INVALID.error()
    if session.store_id != caller.store_id:
        raise errors.SESSION_WRONG_STORE.error()
    if session.environment != caller.environment:
        raise errors.ENVIRONMENT_MISMATCH.error()
    if order_type is not None and session.product_type != order_type:
        raise errors.SESSION_TYPE_MISMATCH.error(expected=order_type)
    return session


def _buyer_email(buyer: BuyerPrincipal, command: CreateOrder, session: CheckoutSession) -> str:
    """Token identity, then body, then the session's pre-fill; always normalized."""
    if buyer.email:
        return buyer.email
    if command.buyer_email is not None:
        return checked_email(command.buyer_email)
    if session.buyer_email:
        return session.buyer_email
    raise errors.MISSING_BUYER_EMAIL.error()


def _billing(given: tax.BillingDetail | None, session: CheckoutSession) -> tax.BillingDetail:
    """The request's billing detail, normalized here, else the session's (normalized when it was set)."""
    if given is not None:
        return tax.normalize_billing(given)
    if session.billing_detail is None:
        raise errors.MISSING_BILLING_DETAIL.error()
    return session.billing_detail


def _quote(session: CheckoutSession, billing: tax.BillingDetail, buyer_ip: str | None,
           now: datetime, rules: OrderRules) -> tax.TaxResult:
    """The session's locked price, taxed for this buyer as of now."""
    return tax.compute_tax(
        billing=billing,
        subtotal=session.price.value,
        currency=session.currency,
        tax_category=session.price.tax_category,
        as_of=now,
        buyer_ip=buyer_ip,
        seller=rules.seller,
        rates=rules.rates,
        ip_map=rules.ip_map,
    )


def preview_tax(tx: Transaction, visitor: StorefrontPrincipal, command: PreviewTax, now: datetime,
                rules: OrderRules) -> tax.TaxResult:
    """What create-order would charge for this session and billing detail, writing nothing."""
    session = usable_session(tx, visitor, command.checkout_session_id, None, now)
    return _quote(session, _billing(command.billing_detail, session), command.buyer_ip, now, rules)


def _trial(tx: Transaction, session: CheckoutSession, buyer: BuyerPrincipal, billing: tax.BillingDetail,
           buyer_ip: str | None, now: datetime, rules: OrderRules) -> tuple[tax.TaxResult, int] | None:
    """The trial phase this buyer's subscription begins with: its price (the product's trialAmount,
    else nothing) taxed as the regular one is, and its days."""
    days = trials.trial_of(tx, session, buyer.token.buyer_identity)
    if days is None:
        return None
    trial_price = replace(session.price, amount=session.price.trial_amount or display(Decimal(0), session.currency))
    return _quote(replace(session, price=trial_price), billing, buyer_ip, now, rules), days


def requote(order: Order, session: CheckoutSession, now: datetime, rules: OrderRules) -> tax.TaxResult:
    """A session's price (a plan change's new plan) taxed for the order's buyer, as of now."""
    return _quote(session, order.billing_detail, order.buyer_ip, now, rules)


def create_order(tx: Transaction, psp: Psp, buyer: BuyerPrincipal, command: CreateOrder, order_type: str,
                 now: datetime, rules: OrderRules, draft: OrderDraft | None = None) -> Order:
    """Snapshot the price, tax it, and write the order, its payment and the PSP checkout together.

    The PSP is asked first: if it refuses, nothing of the order is written (its ids stay unused),
    the refusal is what the transaction keeps, and the session is as it was, so a retry is safe.
    """
    session = usable_session(tx, buyer, command.checkout_session_id, order_type, now, draft)
    if session.plan_change is not None:
        raise errors.PLAN_CHANGE_NOT_ORDERED.error(order_id=session.plan_change.origin_order_id)
    drafted = draft is not None and session is draft.session
    billing = draft.billing if drafted else _billing(command.billing_detail, session)
    email = _buyer_email(buyer, command, session)
    success_url = checked_url(command.success_url) if command.success_url is not None else session.success_url
    if drafted and draft.day == now.date():
        snapshot = draft.quote
    else:
        snapshot = _quote(session, billing, command.buyer_ip, now, rules)
    trial = _trial(tx, session, buyer, billing, command.buyer_ip, now, rules) if order_type == SUBSCRIPTION else None
    order_id, payment_id = tx.new_id("ORD"), tx.new_id("PAY")
    total = display((trial[0] if trial else snapshot).total, session.currency)  # a trial's price comes first
    checkout_url = psp.create_checkout(tx, PspCheckoutRequest(
        payment_id=payment_id,
        order_id=order_id,
        amount=total,
        currency=session.currency,
        buyer_email=email,
        country=billing.country,
        success_url=success_url,
        description=session.options.product_name,
    ), now)
    if checkout_url is None:
        raise errors.PSP_FAILED.error()
    order = Order(
        id=order_id,
        type=order_type,
        status="pending",
        checkout_session_id=session.id,
        store_id=session.store_id,
        product_id=session.product_id,
        product_version=session.product_version,
        environment=session.environment,
        buyer_email=email,
        billing_detail=billing,
        currency=session.currency,
        price_snapshot=snapshot,
        created_at=now,
        updated_at=now,
        buyer_ip=command.buyer_ip,
        success_url=success_url,
        metadata=session.metadata,
        order_merchant_external_id=session.order_merchant_external_id,
        payment_id=payment_id,
        checkout_url=checkout_url,
        buyer_identity=buyer.token.buyer_identity,
        special_phase=trial[0] if trial else None,
        special_phase_days=trial[1] if trial else None,
    )
    tx.add(order)
    tx.add(Payment(id=payment_id, order_id=order.id, status="pending", currency=order.currency,
                   amount=total, created_at=now))
    session.status = "completed"
    session.buyer_email = email
    session.billing_detail = billing
    tx.save(session, "status", "buyer_email", "billing_detail")
    return order

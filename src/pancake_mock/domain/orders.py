"""Order creation from a checkout session: the seed endpoint's rules, in its order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from . import errors, tax
from .auth import BuyerPrincipal, StorefrontPrincipal
from .checkout import billing_detail, billing_wire, checked_email, checked_url, is_usable
from .model import CheckoutSession, Order, Payment
from .money import display
from .ports import Psp, PspCheckoutRequest, PspUnavailable, Transaction


@dataclass(frozen=True)
class OrderRules:
    """How this deployment taxes: where the seller is established, its rate table, its IP map."""

    seller: tax.SellerEstablishment = tax.DEFAULT_SELLER
    rates: tax.RateTable = tax.RATE_TABLE
    ip_map: tax.IpMap = tax.DEFAULT_IP_MAP


def _usable_session(tx: Transaction, caller: BuyerPrincipal | StorefrontPrincipal, session_id: str,
                    order_type: str | None, now: datetime) -> CheckoutSession:
    """The open session this caller may use; `order_type` None accepts either product type."""
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


def _buyer_email(buyer: BuyerPrincipal, fields: dict[str, Any], session: CheckoutSession) -> str:
    """Token identity, then body, then the session's pre-fill; always normalized."""
    if buyer.email:
        return buyer.email
    if "buyerEmail" in fields:
        return checked_email(fields["buyerEmail"])
    if session.buyer_email:
        return session.buyer_email
    raise errors.MISSING_BUYER_EMAIL.error()


def price_snapshot(result: tax.TaxResult) -> dict[str, Any]:
    """A tax result as orders keep it and preview-tax shows it: display strings, rates as fractions."""
    currency = result.currency
    return {
        "currency": currency,
        "subtotal": display(result.subtotal, currency),
        "taxAmount": display(result.tax_amount, currency),
        "total": display(result.total, currency),
        "taxCategory": result.tax_category,
        "taxRate": f"{result.rate.normalize():f}",
        "treatment": result.treatment,
        "lines": [
            {"jurisdiction": line.jurisdiction, "name": line.name,
             "rate": f"{line.rate.normalize():f}", "amount": display(line.amount, currency)}
            for line in result.lines
        ],
        "locationEvidence": {
            "billingCountry": result.evidence.billing_country,
            "ipCountry": result.evidence.ip_country,
            "consistent": result.evidence.consistent,
        },
    }


def _billing(fields: dict[str, Any], session: CheckoutSession) -> tax.BillingDetail:
    """The body's billing detail, else the session's pre-fill, normalized."""
    raw = fields.get("billingDetail") or session.billing_detail
    if not raw:
        raise errors.MISSING_BILLING_DETAIL.error()
    return tax.normalize_billing(billing_detail(raw))


def _quote(session: CheckoutSession, billing: tax.BillingDetail, buyer_ip: str | None,
           now: datetime, rules: OrderRules) -> tax.TaxResult:
    """The session's locked price, taxed for this buyer as of now."""
    return tax.compute_tax(
        billing=billing,
        subtotal=Decimal(session.price["amount"]),
        currency=session.currency,
        tax_category=session.price["taxCategory"],
        as_of=now,
        buyer_ip=buyer_ip,
        seller=rules.seller,
        rates=rules.rates,
        ip_map=rules.ip_map,
    )


def preview_tax(tx: Transaction, visitor: StorefrontPrincipal, fields: dict[str, Any], now: datetime,
                rules: OrderRules = OrderRules()) -> dict[str, Any]:
    """What create-order would charge for this session and billing detail, writing nothing."""
    session = _usable_session(tx, visitor, fields["checkoutSessionId"], None, now)
    return price_snapshot(_quote(session, _billing(fields, session), fields.get("buyerIp"), now, rules))


def create_order(
    tx: Transaction,
    psp: Psp,
    buyer: BuyerPrincipal,
    fields: dict[str, Any],
    order_type: str,
    now: datetime,
    rules: OrderRules = OrderRules(),
) -> Order:
    """Snapshot the price, tax it, write the order and create the PSP checkout.

    Everything runs in the caller's transaction: a PSP failure raises, the transaction rolls
    back, and the session is as it was, so a retry is safe.
    """
    session = _usable_session(tx, buyer, fields["checkoutSessionId"], order_type, now)
    billing = _billing(fields, session)
    email = _buyer_email(buyer, fields, session)
    success_url = checked_url(fields["successUrl"]) if "successUrl" in fields else session.success_url
    result = _quote(session, billing, fields.get("buyerIp"), now, rules)
    snapshot = price_snapshot(result)
    order = Order(
        id=tx.new_id("ORD"),
        type=order_type,
        status="pending",
        checkout_session_id=session.id,
        store_id=session.store_id,
        product_id=session.product_id,
        product_version=session.product_version,
        environment=session.environment,
        buyer_email=email,
        billing_detail=billing_wire(result.billing),
        currency=session.currency,
        price_snapshot=snapshot,
        created_at=now,
        buyer_ip=fields.get("buyerIp"),
        success_url=success_url,
        metadata=session.metadata,
        order_merchant_external_id=session.order_merchant_external_id,
    )
    payment = Payment(id=tx.new_id("PAY"), order_id=order.id, status="pending",
                      currency=order.currency, amount=snapshot["total"], created_at=now)
    order.payment_id = payment.id
    session.status = "completed"
    session.buyer_email = email
    session.billing_detail = order.billing_detail
    tx.add(order)
    tx.add(payment)
    try:
        order.checkout_url = psp.create_checkout(
            PspCheckoutRequest(
                payment_id=payment.id,
                order_id=order.id,
                amount=snapshot["total"],
                currency=order.currency,
                buyer_email=email,
                country=result.billing.country,
                success_url=success_url,
                description=session.options.get("productName", ""),
            )
        )
    except PspUnavailable as failure:
        raise errors.PSP_FAILED.error() from failure
    return order

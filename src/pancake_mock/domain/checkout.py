"""Checkout sessions: what a session locks, and the buyer data written back to it."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from . import errors, tax
from .auth import MerchantPrincipal, StorefrontPrincipal
from .buyers import is_email, normalize_email
from .catalog import check_currency, current_version, normalize_amount, owned_product, payment_methods
from .model import CheckoutSession, Product, Store
from .ports import Transaction

DEFAULT_TTL_SECONDS = 2700
# Fields a store-slug caller may send but that only a merchant key may set.
KEY_ONLY_FIELDS = ("priceSnapshot", "expiresInSeconds", "metadata", "orderMerchantExternalId",
                   "withTrial", "includePaymentMethods", "excludePaymentMethods")
_WIRE_BILLING = {"country": "country", "isBusiness": "is_business", "postcode": "postcode",
                 "state": "state", "businessName": "business_name", "taxId": "tax_id"}


def billing_detail(wire: dict[str, Any]) -> tax.BillingDetail:
    return tax.BillingDetail(**{attr: wire.get(key) for key, attr in _WIRE_BILLING.items()})


def billing_wire(detail: tax.BillingDetail) -> dict[str, Any]:
    """The camelCase form stored on sessions and orders, without empty optional fields."""
    values = asdict(detail)
    return {key: values[attr] for key, attr in _WIRE_BILLING.items() if values[attr] is not None}


def checked_email(text: str) -> str:
    if not is_email(text):
        raise errors.INVALID_BUYER_EMAIL.error()
    return normalize_email(text)


def checked_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise errors.INVALID_SUCCESS_URL.error()
    return text


def _session_product(tx: Transaction, principal: MerchantPrincipal | StorefrontPrincipal, product_id: str) -> tuple[Product, Store]:
    if isinstance(principal, MerchantPrincipal):
        product = owned_product(tx, principal.merchant_id, product_id)
    else:
        product = tx.get(Product, product_id)
        if product is None:
            raise errors.PRODUCT_NOT_FOUND.error()
        if product.store_id != principal.store_id:
            raise errors.PRODUCT_NOT_IN_STORE.error()
    store = tx.get(Store, product.store_id)
    assert store is not None
    if store.status != "active":
        raise errors.STORE_NOT_ACTIVE.error()
    if principal.environment == "prod" and not store.prod_enabled:
        raise errors.STORE_NOT_PRODUCTION_ENABLED.error()
    if product.status != "active":
        raise errors.PRODUCT_NOT_ACTIVE.error()
    return product, store


def create_session(
    tx: Transaction, principal: MerchantPrincipal | StorefrontPrincipal, fields: dict[str, Any], now: datetime
) -> tuple[CheckoutSession, Store]:
    """Lock product version, price, currency and store; pre-fill what the merchant knows."""
    if isinstance(principal, StorefrontPrincipal):
        fields = {key: value for key, value in fields.items() if key not in KEY_ONLY_FIELDS}
    product, store = _session_product(tx, principal, fields["productId"])
    currency = fields["currency"]
    check_currency(product.type, currency)
    version = current_version(tx, product)

    if "priceSnapshot" in fields:
        snapshot = fields["priceSnapshot"]
        price = {"amount": normalize_amount(snapshot["amount"], currency, "priceSnapshot.amount"),
                 "taxCategory": snapshot["taxCategory"]}
    elif currency in version.prices:
        price = dict(version.prices[currency])
    else:
        raise errors.PRICE_NOT_SET.error(currency=currency)

    include, exclude = fields.get("includePaymentMethods"), fields.get("excludePaymentMethods")
    if include and exclude:
        raise errors.PAYMENT_METHODS_CONFLICT.error()
    available = payment_methods(product.type, currency)
    for method in include or ():
        if method not in available:
            raise errors.PAYMENT_METHOD_UNSUPPORTED.error(currency=currency, method=method)
    methods = [m for m in available if (not include or m in include) and m not in (exclude or ())]

    billing = fields.get("billingDetail")
    success_url = fields.get("successUrl", version.success_url)
    session = CheckoutSession(
        id=tx.new_session_id(),
        store_id=store.id,
        product_id=product.id,
        product_type=product.type,
        product_version=version.number,
        environment=principal.environment,
        currency=currency,
        price=price,
        status="open",
        expires_at=now + timedelta(seconds=fields.get("expiresInSeconds", DEFAULT_TTL_SECONDS)),
        created_at=now,
        buyer_email=checked_email(fields["buyerEmail"]) if "buyerEmail" in fields else None,
        billing_detail=billing_wire(tax.normalize_billing(billing_detail(billing))) if billing else None,
        success_url=checked_url(success_url) if success_url else None,
        metadata=fields.get("metadata", {}),
        order_merchant_external_id=fields.get("orderMerchantExternalId"),
        options={
            "productName": version.name,
            "paymentMethods": methods,
            **{key: fields[key] for key in ("language", "darkMode", "withTrial") if key in fields},
        },
    )
    tx.add(session)
    return session, store


def is_usable(session: CheckoutSession | None, now: datetime) -> bool:
    return session is not None and session.status == "open" and session.expires_at > now

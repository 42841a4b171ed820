"""Checkout sessions: what a session locks, and the buyer data written back to it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from . import errors, tax
from .auth import MerchantPrincipal, StorefrontPrincipal
from .buyers import is_email, normalize_email
from .catalog import check_currency, normalize_amount, owned_product, payment_methods, version_sold
from .commands import CreateCheckoutSession
from .model import CheckoutSession, PriceInfo, Product, SessionOptions, Store
from .ports import Transaction

DEFAULT_TTL_SECONDS = 2700
# What a store-slug caller may send but only a merchant key may set: dropped for the storefront.
KEY_ONLY_FIELDS = {name: None for name in ("price_snapshot", "expires_in_seconds", "metadata",
                   "order_merchant_external_id", "with_trial", "include_payment_methods",
                   "exclude_payment_methods")}


def checked_email(text: str) -> str:
    if not is_email(text):
        raise errors.INVALID_BUYER_EMAIL.error()
    return normalize_email(text)


def is_http_url(text: str) -> bool:
    """An absolute http(s) URL with a host and no whitespace."""
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in text)


def checked_url(text: str) -> str:
    if not is_http_url(text):
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
    assert store is not None and store.deleted_at is None, "a storefront's store and an owned product's are there"
    if store.status != "active":
        raise errors.STORE_NOT_ACTIVE.error()
    if principal.environment == "prod" and not store.prod_enabled:
        raise errors.STORE_NOT_PRODUCTION_ENABLED.error()
    if product.status != "active":
        raise errors.PRODUCT_NOT_ACTIVE.error()
    return product, store


def create_session(
    tx: Transaction, principal: MerchantPrincipal | StorefrontPrincipal, command: CreateCheckoutSession, now: datetime
) -> tuple[CheckoutSession, Store]:
    """Lock product version, price, currency and store; pre-fill what the merchant knows."""
    if isinstance(principal, StorefrontPrincipal):
        command = replace(command, **KEY_ONLY_FIELDS)
    product, store = _session_product(tx, principal, command.product_id)
    currency = command.currency
    check_currency(product.type, currency)
    version = version_sold(tx, product, principal.environment)

    stored = version.prices.get(currency)
    if command.price_snapshot is not None:  # a subscription's trial price stays the version's
        snapshot = command.price_snapshot
        price = PriceInfo(normalize_amount(snapshot.amount, currency, "priceSnapshot.amount"), snapshot.tax_category,
                          stored.trial_amount if stored else None)
    elif stored is not None:
        price = stored
    else:
        raise errors.PRICE_NOT_SET.error(currency=currency)

    include, exclude = command.include_payment_methods, command.exclude_payment_methods
    if include and exclude:
        raise errors.PAYMENT_METHODS_CONFLICT.error()
    available = payment_methods(product.type, currency)
    for method in include or ():
        if method not in available:
            raise errors.PAYMENT_METHOD_UNSUPPORTED.error(currency=currency, method=method)
    methods = tuple(m for m in available if (not include or m in include) and m not in (exclude or ()))

    success_url = command.success_url or version.success_url
    session = CheckoutSession(
        id=f"cs_{tx.new_uuid('cs')}",
        store_id=store.id,
        product_id=product.id,
        product_type=product.type,
        product_version=version.number,
        environment=principal.environment,
        currency=currency,
        price=price,
        status="open",
        expires_at=now + timedelta(seconds=command.expires_in_seconds or DEFAULT_TTL_SECONDS),
        created_at=now,
        options=SessionOptions(product_name=version.name, payment_methods=methods, language=command.language,
                               dark_mode=command.dark_mode, with_trial=command.with_trial),
        buyer_email=checked_email(command.buyer_email) if command.buyer_email is not None else None,
        billing_detail=tax.normalize_billing(command.billing_detail) if command.billing_detail else None,
        success_url=checked_url(success_url) if success_url else None,
        metadata=command.metadata or {},
        order_merchant_external_id=command.order_merchant_external_id,
    )
    tx.add(session)
    return session, store


def is_usable(session: CheckoutSession | None, now: datetime) -> bool:
    return session is not None and session.status == "open" and session.expires_at > now


@dataclass(frozen=True)
class CheckoutPage:
    """What the hosted checkout page shows: the session, its store, and whether it can be ordered."""

    session: CheckoutSession
    store: Store
    state: str  # open | completed | expired


def checkout_page(tx: Transaction, slug: str, session_id: str, now: datetime) -> CheckoutPage:
    """The session at `/store/{slug}/checkout/{sessionId}`: a session of another store is not there."""
    session = tx.get(CheckoutSession, session_id)
    store = tx.get(Store, session.store_id) if session else None
    if session is None or store is None or store.slug != slug:
        raise errors.NOT_FOUND.error()
    if is_usable(session, now):
        return CheckoutPage(session, store, "open")
    return CheckoutPage(session, store, "completed" if session.status == "completed" else "expired")

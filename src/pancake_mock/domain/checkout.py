"""Checkout sessions: what a session locks, and the buyer data written back to it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from . import errors, tax
from .auth import BuyerPrincipal, MerchantPrincipal, StorefrontPrincipal
from .buyers import is_email, normalize_email
from .catalog import check_currency, normalize_amount, owned_product, payment_methods, version_sold
from .commands import CreateCheckoutSession
from .model import SUBSCRIPTION, CheckoutSession, Order, PlanChange, PriceInfo, Product, ProductGroup, SessionOptions, Store
from .ports import Transaction

DEFAULT_TTL_SECONDS = 2700
# What a store-slug caller may send but only a merchant key may set: dropped for the storefront.
KEY_ONLY_FIELDS = {name: None for name in ("price_snapshot", "expires_in_seconds", "metadata",
                   "order_merchant_external_id", "with_trial", "include_payment_methods",
                   "exclude_payment_methods")}
# What a buyer's own plan change may not set either: the price of the change, and the buyer's data
# (a plan change takes those from the subscription).
CUSTOMER_DROPPED_FIELDS = {**KEY_ONLY_FIELDS, **{name: None for name in (
    "change_amount", "change_credit_amount", "buyer_email", "billing_detail")}}
# A subscription in these states has no plan to change.
NOT_CHANGEABLE = frozenset({"pending", "canceling", "canceled"})
Caller = MerchantPrincipal | StorefrontPrincipal | BuyerPrincipal


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


def _session_product(tx: Transaction, principal: Caller, product_id: str) -> tuple[Product, Store]:
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
    tx: Transaction, principal: Caller, command: CreateCheckoutSession, now: datetime
) -> tuple[CheckoutSession, Store]:
    """Lock product version, price, currency and store; pre-fill what the merchant knows. With
    `originOrderId` the session changes that subscription's plan instead (a merchant's link, or
    the subscriber's own with their session token)."""
    if isinstance(principal, StorefrontPrincipal):
        if command.origin_order_id is not None:
            raise errors.PLAN_CHANGE_BY_SLUG.error()
        command = replace(command, **KEY_ONLY_FIELDS)
    elif isinstance(principal, BuyerPrincipal):
        if command.origin_order_id is None:
            raise errors.TOKEN_OPENS_PLAN_CHANGES.error()
        command = replace(command, **CUSTOMER_DROPPED_FIELDS)
    product, store = _session_product(tx, principal, command.product_id)
    currency = command.currency
    check_currency(product.type, currency)
    version = version_sold(tx, product, principal.environment)
    change = origin = None
    if command.origin_order_id is not None:
        change, origin = _plan_change(tx, principal, command, product)

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
        buyer_email=_prefilled_email(command, origin),
        billing_detail=_prefilled_billing(command, origin),
        success_url=checked_url(success_url) if success_url else None,
        metadata=command.metadata or {},
        order_merchant_external_id=command.order_merchant_external_id,
        plan_change=change,
    )
    tx.add(session)
    return session, store


# A plan change's buyer is the subscription's: its e-mail and billing detail, not the request's.
def _prefilled_email(command: CreateCheckoutSession, origin: Order | None) -> str | None:
    if origin is not None:
        return origin.buyer_email
    return checked_email(command.buyer_email) if command.buyer_email is not None else None


def _prefilled_billing(command: CreateCheckoutSession, origin: Order | None) -> tax.BillingDetail | None:
    if origin is not None:
        return origin.billing_detail
    return tax.normalize_billing(command.billing_detail) if command.billing_detail else None


def _plan_change(tx: Transaction, principal: MerchantPrincipal | BuyerPrincipal, command: CreateCheckoutSession,
                 target: Product) -> tuple[PlanChange, Order]:
    """The change of the origin subscription to the target plan, as this caller may ask for it."""
    origin = tx.get(Order, command.origin_order_id)
    store = tx.get(Store, origin.store_id) if origin else None
    if origin is None or origin.environment != principal.environment or (
            isinstance(principal, MerchantPrincipal) and store.merchant_id != principal.merchant_id):
        raise errors.ORDER_NOT_FOUND.error()
    if isinstance(principal, BuyerPrincipal) and (
            origin.store_id != principal.store_id or origin.buyer_identity != principal.token.buyer_identity):
        raise errors.ORIGIN_NOT_OWNED.error()
    if origin.type != SUBSCRIPTION:
        raise errors.ORIGIN_NOT_SUBSCRIPTION.error()
    if origin.status in NOT_CHANGEABLE:
        raise errors.PLAN_NOT_CHANGEABLE.error(status=origin.status)
    if target.type != SUBSCRIPTION:
        raise errors.TARGET_NOT_SUBSCRIPTION.error()
    if target.store_id != origin.store_id:
        raise errors.PRODUCT_NOT_IN_STORE.error()
    if target.id == origin.product_id:
        raise errors.SAME_PLAN.error()
    if command.currency != origin.currency:
        raise errors.PLAN_CURRENCY.error(currency=origin.currency)
    if isinstance(principal, BuyerPrincipal):  # merchant-issued links need no group
        shared = [group for group in tx.find(ProductGroup, store_id=origin.store_id, environment=origin.environment)
                  if origin.product_id in group.product_ids and target.id in group.product_ids]
        if not shared:
            raise errors.NOT_SAME_GROUP.error()
        if not any(group.rules.self_service_plan_change for group in shared):
            raise errors.SELF_SERVICE_OFF.error()
    if command.change_amount is not None and command.change_credit_amount is not None:
        raise errors.CHANGE_AMOUNTS_EXCLUSIVE.error()

    def amount(value: str | None, field: str) -> str | None:
        return None if value is None else normalize_amount(value, origin.currency, field)
    return PlanChange(origin.id, command.change_timing, amount(command.change_amount, "changeAmount"),
                      amount(command.change_credit_amount, "changeCreditAmount")), origin


def is_usable(session: CheckoutSession | None, now: datetime) -> bool:
    return session is not None and session.status == "open" and session.expires_at > now


@dataclass(frozen=True)
class CheckoutPage:
    """What the hosted checkout page shows: the session, its store, and whether it can be ordered."""

    session: CheckoutSession
    store: Store
    state: str  # open | completed | expired


def checkout_page(tx: Transaction, slug: str, session_id: str, now: datetime, *, plan_change: bool = False) -> CheckoutPage:
    """The session at `/store/{slug}/checkout/{sessionId}` (a purchase) or `/store/{slug}/change/{sessionId}`
    (a plan change): a session of another store, or of the other kind, is not there."""
    session = tx.get(CheckoutSession, session_id)
    store = tx.get(Store, session.store_id) if session else None
    if session is None or store is None or store.slug != slug or (session.plan_change is not None) != plan_change:
        raise errors.NOT_FOUND.error()
    if is_usable(session, now):
        return CheckoutPage(session, store, "open")
    return CheckoutPage(session, store, "completed" if session.status == "completed" else "expired")

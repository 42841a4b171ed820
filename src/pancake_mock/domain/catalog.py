"""Products: per-currency prices, immutable versions, and the version production sells."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from . import errors
from .commands import ById, CreateProduct, SetProductStatus, UpdateProduct
from .model import ONETIME, SUBSCRIPTION, PriceInfo, Product, ProductVersion, Store
from .money import display, minor_units, parse_amount
from .ports import Transaction

CURRENCIES = {
    ONETIME: ("USD", "EUR", "GBP", "HKD", "JPY", "CNY"),
    SUBSCRIPTION: ("USD", "EUR", "GBP", "HKD", "JPY"),
}
_CARDS = ("card", "applepay", "googlepay")
PAYMENT_METHODS = {
    (ONETIME, "USD"): (*_CARDS, "wechat"),
    (ONETIME, "CNY"): ("wechat",),
}
NAME_LIMIT = 64
TRIAL_DAYS = range(1, 366)


def payment_methods(product_type: str, currency: str) -> tuple[str, ...]:
    return PAYMENT_METHODS.get((product_type, currency), _CARDS)


def check_currency(product_type: str, currency: str) -> None:
    if currency not in CURRENCIES[product_type]:
        raise errors.UNSUPPORTED_CURRENCY.error(product_type=product_type, currency=currency)


def normalize_amount(text: str, currency: str, field: str) -> str:
    value = parse_amount(text)
    if value is None:
        raise errors.INVALID_AMOUNT.error(field=field)
    if value != value.quantize(Decimal(1).scaleb(-minor_units(currency))):
        raise errors.AMOUNT_PRECISION.error(field=field, currency=currency)
    return display(value, currency)


def normalize_prices(prices: dict[str, PriceInfo], product_type: str, trial_days: int | None) -> dict[str, PriceInfo]:
    """Prices in their display form; a subscription's paid trial needs trial days and a lower price."""
    normalized = {}
    for currency, price in prices.items():
        check_currency(product_type, currency)
        amount = normalize_amount(price.amount, currency, f"prices.{currency}.amount")
        trial = None
        if product_type == SUBSCRIPTION and price.trial_amount is not None:
            trial = normalize_amount(price.trial_amount, currency, f"prices.{currency}.trialAmount")
            if trial_days is None:
                raise errors.TRIAL_NEEDS_DAYS.error(currency=currency)
            if Decimal(trial) >= Decimal(amount):
                raise errors.TRIAL_NOT_LOWER.error(currency=currency)
        normalized[currency] = PriceInfo(amount, price.tax_category, trial)
    return normalized


def trial_days(metadata: dict) -> int | None:
    """A subscription's free or paid trial, `metadata.trialDays` (a number, or a string of digits)."""
    days = metadata.get("trialDays")
    if days is None:
        return None
    if isinstance(days, str) and days.strip().isdigit():
        days = int(days)
    if isinstance(days, bool) or not isinstance(days, (int, float)) or days != int(days) or int(days) not in TRIAL_DAYS:
        raise errors.TRIAL_DAYS.error(first=TRIAL_DAYS.start, last=TRIAL_DAYS.stop - 1)
    return int(days)


def owned_store(tx: Transaction, merchant_id: str, store_id: str) -> Store:
    """A store of this merchant; a deleted store is gone."""
    store = tx.get(Store, store_id)
    if store is None or store.deleted_at is not None:
        raise errors.STORE_NOT_FOUND.error()
    if store.merchant_id != merchant_id:
        raise errors.STORE_ACCESS_DENIED.error()
    return store


def owned_product(tx: Transaction, merchant_id: str, product_id: str) -> Product:
    """A product of this merchant; someone else's product is as good as absent."""
    product = tx.get(Product, product_id)
    store = tx.get(Store, product.store_id) if product else None
    if product is None or store is None or store.merchant_id != merchant_id:
        raise errors.PRODUCT_NOT_FOUND.error()
    if store.deleted_at is not None:
        raise errors.STORE_NOT_FOUND.error()
    return product


def current_version(tx: Transaction, product: Product) -> ProductVersion:
    version = tx.get(ProductVersion, (product.id, product.version))
    assert version is not None, "a product always has its current version"
    return version


def version_sold(tx: Transaction, product: Product, environment: str) -> ProductVersion:
    """What a checkout in this environment sells: the latest version in test, the published one in prod."""
    if environment == "test":
        return current_version(tx, product)
    if product.prod_version is None:
        raise errors.PRODUCT_NOT_PUBLISHED.error()
    version = tx.get(ProductVersion, (product.id, product.prod_version))
    assert version is not None, "a published version is kept"
    return version


def checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise errors.MISSING_FIELD.error(field="name")
    if len(name) > NAME_LIMIT:
        raise errors.NAME_TOO_LONG.error(limit=NAME_LIMIT)
    return name


def create_product(
    tx: Transaction, merchant_id: str, command: CreateProduct, product_type: str, now: datetime
) -> tuple[Product, ProductVersion]:
    """A new product lives in the test environment until it is published."""
    store = owned_store(tx, merchant_id, command.store_id)
    metadata = command.metadata or {}
    product = Product(id=tx.new_id("PROD"), store_id=store.id, type=product_type, status="active",
                      version=1, created_at=now, updated_at=now)
    version = ProductVersion(
        product_id=product.id,
        number=1,
        name=checked_name(command.name),
        description=command.description,
        prices=normalize_prices(command.prices, product_type, _trial_days_of(product_type, metadata)),
        media=command.media or [],
        success_url=command.success_url,
        metadata=metadata,
        billing_period=command.billing_period if product_type == SUBSCRIPTION else None,
        created_at=now,
    )
    tx.add(product)
    tx.add(version)
    return product, version


def _trial_days_of(product_type: str, metadata: dict) -> int | None:
    return trial_days(metadata) if product_type == SUBSCRIPTION else None


def _typed_product(tx: Transaction, merchant_id: str, product_id: str, product_type: str) -> Product:
    product = owned_product(tx, merchant_id, product_id)
    if product.type != product_type:
        raise errors.PRODUCT_NOT_FOUND.error()  # one-time and subscription products live apart
    return product


def update_product(
    tx: Transaction, merchant_id: str, command: UpdateProduct, product_type: str, now: datetime
) -> tuple[Product, ProductVersion]:
    """A change makes version n+1; sessions and orders keep pointing at the version they saw."""
    product = _typed_product(tx, merchant_id, command.id, product_type)
    current = current_version(tx, product)
    changes = command.changes()
    if product_type != SUBSCRIPTION:
        changes.pop("billing_period", None)
    if "name" in changes:
        changes["name"] = checked_name(changes["name"])
    days = _trial_days_of(product_type, changes.get("metadata", current.metadata))
    if "prices" in changes or "metadata" in changes:  # a trial's price and its days are checked together
        changes["prices"] = normalize_prices(changes.get("prices", current.prices), product.type, days)
    if all(getattr(current, name) == value for name, value in changes.items()):
        return product, current
    version = replace(current, number=current.number + 1, created_at=now, **changes)
    product.version = version.number
    product.updated_at = now
    tx.save(product, "version", "updated_at")
    tx.add(version)
    return product, version


def publish_product(tx: Transaction, merchant_id: str, command: ById, product_type: str,
                    now: datetime) -> tuple[Product, ProductVersion]:
    """Production sells the test environment's latest version from now on (the id stays)."""
    product = _typed_product(tx, merchant_id, command.id, product_type)
    if product.prod_version != product.version:
        product.prod_version, product.updated_at = product.version, now
        tx.save(product, "prod_version", "updated_at")
    return product, current_version(tx, product)


def set_product_status(tx: Transaction, merchant_id: str, command: SetProductStatus, product_type: str,
                       now: datetime) -> tuple[Product, ProductVersion]:
    """An inactive product starts no checkout, in either environment."""
    product = _typed_product(tx, merchant_id, command.id, product_type)
    if product.status != command.status:
        product.status, product.updated_at = command.status, now
        tx.save(product, "status", "updated_at")
    return product, current_version(tx, product)

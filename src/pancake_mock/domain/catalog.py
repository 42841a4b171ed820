"""Products: per-currency prices and immutable versions."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from . import errors
from .commands import CreateProduct, UpdateProduct
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


def normalize_prices(prices: dict[str, PriceInfo], product_type: str) -> dict[str, PriceInfo]:
    normalized = {}
    for currency, price in prices.items():
        check_currency(product_type, currency)
        amount = normalize_amount(price.amount, currency, f"prices.{currency}.amount")
        normalized[currency] = PriceInfo(amount, price.tax_category)
    return normalized


def owned_store(tx: Transaction, merchant_id: str, store_id: str) -> Store:
    store = tx.get(Store, store_id)
    if store is None:
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
    return product


def current_version(tx: Transaction, product: Product) -> ProductVersion:
    version = tx.get(ProductVersion, (product.id, product.version))
    assert version is not None, "a product always has its current version"
    return version


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise errors.MISSING_FIELD.error(field="name")
    if len(name) > NAME_LIMIT:
        raise errors.NAME_TOO_LONG.error(limit=NAME_LIMIT)
    return name


def create_product(
    tx: Transaction, merchant_id: str, command: CreateProduct, product_type: str, now: datetime
) -> tuple[Product, ProductVersion]:
    store = owned_store(tx, merchant_id, command.store_id)
    product = Product(id=tx.new_id("PROD"), store_id=store.id, type=product_type, status="active",
                      version=1, created_at=now, updated_at=now)
    version = ProductVersion(
        product_id=product.id,
        number=1,
        name=_check_name(command.name),
        description=command.description,
        prices=normalize_prices(command.prices, product_type),
        media=command.media or [],
        success_url=command.success_url,
        metadata=command.metadata or {},
        created_at=now,
    )
    tx.add(product)
    tx.add(version)
    return product, version


def update_product(
    tx: Transaction, merchant_id: str, command: UpdateProduct, product_type: str, now: datetime
) -> tuple[Product, ProductVersion]:
    """A change makes version n+1; sessions and orders keep pointing at the version they saw."""
    product = owned_product(tx, merchant_id, command.id)
    if product.type != product_type:
        raise errors.PRODUCT_NOT_FOUND.error()  # one-time and subscription products live apart
    current = current_version(tx, product)
    changes = command.changes()
    if "name" in changes:
        changes["name"] = _check_name(changes["name"])
    if "prices" in changes:
        changes["prices"] = normalize_prices(changes["prices"], product.type)
    if all(getattr(current, name) == value for name, value in changes.items()):
        return product, current
    version = replace(current, number=current.number + 1, created_at=now, **changes)
    product.version = version.number
    product.updated_at = now
    tx.save(product, "version", "updated_at")
    tx.add(version)
    return product, version

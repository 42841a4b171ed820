"""The seeded world of a fresh data dir: a dev merchant, its keys, stores and a catalog.

Everything but the RSA keys comes from Faker and the id counters under the run's seed, so the
same seed gives the same stores, products, prices and ids.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..domain.catalog import CURRENCIES
from ..domain.stores import slug_of
from .. import codec
from ..domain.model import ONETIME, SUBSCRIPTION, ApiKey, Merchant, PriceInfo, Product, ProductVersion, Store
from ..domain.money import display
from . import keys
from .store import SqlTransaction

if TYPE_CHECKING:
    from faker import Faker

# Rough conversion from a USD list price, so every currency gets a plausible price.
FX = {"USD": Decimal("1"), "EUR": Decimal("0.92"), "GBP": Decimal("0.79"),
      "HKD": Decimal("7.8"), "JPY": Decimal("150"), "CNY": Decimal("7.2")}
CATEGORIES = ("saas", "digital_goods", "ebook", "software", "online_course")
STORES = 2


def _prices(fake: Faker, product_type: str) -> dict[str, PriceInfo]:
    usd = Decimal(fake.random_int(4, 149)) + Decimal(fake.random_element(("0.00", "0.50", "0.99")))
    category = fake.random_element(CATEGORIES)
    return {currency: PriceInfo(display(usd * FX[currency], currency), category) for currency in CURRENCIES[product_type]}


def seed(tx: SqlTransaction, seed_value: int, private_keys: dict[str, str], now: datetime) -> str:
    """Fill an empty store; returns the merchant id."""
    from faker import Faker  # only a new or reset store needs it: a start of a seeded one skips 40 ms

    fake = Faker()
    fake.seed_instance(seed_value)
    merchant = Merchant(id=tx.new_id("MER"), name=fake.company(), created_at=now)
    tx.add(merchant)
    for environment, private_pem in private_keys.items():
        tx.add(ApiKey(merchant_id=merchant.id, environment=environment,
                      public_key_pem=keys.public_pem(private_pem), created_at=now))
    for _ in range(STORES):
        name = fake.company()[:48]
        suffix = fake.lexify("??????", letters="abcdefghijklmnopqrstuvwxyz0123456789")
        store = Store(id=tx.new_id("STO"), merchant_id=merchant.id, name=name, slug=slug_of(name, suffix),
                      status="active", prod_enabled=True, created_at=now, updated_at=now)
        tx.add(store)
        for product_type, billing_period in ((ONETIME, None), (ONETIME, None),
                                             (SUBSCRIPTION, "monthly"), (SUBSCRIPTION, "yearly")):
            product = Product(id=tx.new_id("PROD"), store_id=store.id, type=product_type, status="active",
                              version=1, prod_version=1, created_at=now, updated_at=now)  # published
            tx.add(product)
            tx.add(ProductVersion(product_id=product.id, number=1, name=fake.catch_phrase()[:64],
                                  description=fake.sentence(), prices=_prices(fake, product_type),
                                  billing_period=billing_period, created_at=now))
    return merchant.id


def credentials(tx: SqlTransaction, base_url: str, private_keys: dict[str, str]) -> dict[str, Any]:
    """What a client needs to talk to this mock, in the shape of `credentials.json`."""
    merchant = tx.find(Merchant)[0]
    stores = []
    for store in tx.find(Store, merchant_id=merchant.id):
        products = []
        for product in tx.find(Product, store_id=store.id):
            version = tx.get(ProductVersion, (product.id, product.version))
            entry = {"id": product.id, "type": product.type, "name": version.name, "prices": codec.present(version.prices)}
            if version.billing_period:
                entry["billingPeriod"] = version.billing_period
            products.append(entry)
        stores.append({"id": store.id, "slug": store.slug, "name": store.name, "products": products})
    return {
        "baseUrl": base_url,
        "merchantId": merchant.id,
        "apiKeys": [{"environment": env, "privateKeyPem": pem} for env, pem in private_keys.items()],
        "stores": stores,
    }

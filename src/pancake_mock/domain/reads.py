"""What a caller may read, as the GraphQL read model has it: a selection per list, scoped by the
credential, narrowed by the query's filters.

A merchant key sees its own stores, and their orders, payments and deliveries in the key's
environment; a session token its buyer's orders and payments in the token's store and that
store's public data; a store slug the store and its active products. Anything else is simply not
selected: no error says it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import errors
from .auth import BuyerPrincipal, MerchantPrincipal, StorefrontPrincipal
from .model import (
    Merchant,
    Order,
    Payment,
    Product,
    ProductGroup,
    RefundTicket,
    Store,
    WebhookDelivery,
)
from .ports import Transaction

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
OPERATORS = ("eq", "ne", "contains", "starts_with", "ends_with", "in", "gt", "gte", "lt", "lte")
Principal = MerchantPrincipal | BuyerPrincipal | StorefrontPrincipal | None


@dataclass(frozen=True)
class Condition:
    """`field op value` on an entity's attribute; `in` takes a tuple."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Within:
    """`field` is the key of an entity of `kind` matching `where` (a payment of a visible order)."""

    field: str
    kind: type
    where: tuple[Condition | Within, ...]


Where = tuple[Condition | Within, ...]


@dataclass(frozen=True)
class Selection:
    """The rows of `kind` a caller asked for and may see, newest first unless `order` says otherwise."""

    kind: type
    where: Where
    order: tuple[str, ...] = ("created_at", "id")
    descending: bool = True
    nothing: bool = False  # the caller may see none: no query needs to run

    def narrowed(self, filters: Where) -> Selection:
        return Selection(self.kind, self.where + filters, self.order, self.descending, self.nothing)


def page_bounds(limit: int | None, offset: int | None) -> tuple[int, int]:
    limit = DEFAULT_LIMIT if limit is None else limit
    offset = 0 if offset is None else offset
    if not 1 <= limit <= MAX_LIMIT:
        raise errors.READ_LIMIT.error(maximum=MAX_LIMIT)
    if offset < 0:
        raise errors.READ_OFFSET.error()
    return limit, offset


def filters_of(values: dict[str, dict[str, Any]] | None, on_order: frozenset[str] = frozenset()) -> Where:
    """A query's filter input ({field: {op: value}}, snake_case) as conditions; a field named in
    `on_order` is the payment's order's."""
    conditions: list[Condition | Within] = []
    for name, operations in (values or {}).items():
        for op, value in (operations or {}).items():
            if value is None:
                continue
            condition = Condition(name, op, tuple(value) if op == "in" else value)
            conditions.append(Within("order_id", Order, (condition,)) if name in on_order else condition)
    return tuple(conditions)


def _nothing(kind: type) -> Selection:
    return Selection(kind, (), nothing=True)


def visible_store_ids(tx: Transaction, principal: Principal) -> tuple[str, ...]:
    if isinstance(principal, MerchantPrincipal):
        return tuple(store.id for store in tx.find(Store, merchant_id=principal.merchant_id) if store.deleted_at is None)
    if isinstance(principal, (BuyerPrincipal, StorefrontPrincipal)):
        return (principal.store_id,)
    return ()


def stores(tx: Transaction, principal: Principal) -> Selection:
    ids = visible_store_ids(tx, principal)
    return Selection(Store, (Condition("id", "in", ids),)) if ids else _nothing(Store)


def products(tx: Transaction, principal: Principal, store_id: str | None, product_type: str) -> Selection:
    """A store's products of one type (`store_id` None: every visible store's); only active ones
    for buyers and storefronts."""
    ids = visible_store_ids(tx, principal)
    if store_id is not None:
        ids = tuple(i for i in ids if i == store_id)
    if not ids:
        return _nothing(Product)
    where: Where = (Condition("store_id", "in", ids), Condition("type", "eq", product_type))
    if not isinstance(principal, MerchantPrincipal):
        where += (Condition("status", "eq", "active"),)
    return Selection(Product, where)


def groups(tx: Transaction, principal: Principal, store_id: str) -> Selection:
    """A visible store's subscription product groups in the credential's environment."""
    if store_id not in visible_store_ids(tx, principal):
        return _nothing(ProductGroup)
    return Selection(ProductGroup, (Condition("store_id", "eq", store_id),
                                    Condition("environment", "eq", principal.environment)))


def orders(tx: Transaction, principal: Principal, store_id: str | None, order_type: str | None) -> Selection:
    """Orders of a store (`store_id` None: of every visible store), of one type (None: both)."""
    if isinstance(principal, MerchantPrincipal):
        ids = visible_store_ids(tx, principal)
        where: Where = (Condition("environment", "eq", principal.environment),)
    elif isinstance(principal, BuyerPrincipal):
        ids = (principal.store_id,)
        where = (Condition("environment", "eq", principal.environment),
                 Condition("buyer_identity", "eq", principal.token.buyer_identity))
    else:
        return _nothing(Order)
    if store_id is not None:
        ids = tuple(i for i in ids if i == store_id)
    if not ids:
        return _nothing(Order)
    where += (Condition("store_id", "in", ids),)
    if order_type is not None:
        where += (Condition("type", "eq", order_type),)
    return Selection(Order, where)


def payments(tx: Transaction, principal: Principal) -> Selection:
    visible = orders(tx, principal, None, None)
    return _nothing(Payment) if visible.nothing else Selection(Payment, (Within("order_id", Order, visible.where),))


def refund_tickets(tx: Transaction, principal: Principal) -> Selection:
    """A merchant's tickets in its stores, or a buyer's own in the token's store; in the environment."""
    if isinstance(principal, MerchantPrincipal):
        ids = visible_store_ids(tx, principal)
        if not ids:
            return _nothing(RefundTicket)
        where: Where = (Condition("store_id", "in", ids),)
    elif isinstance(principal, BuyerPrincipal):
        where = (Condition("store_id", "eq", principal.store_id),
                 Condition("submitter_id", "eq", principal.token.buyer_identity))
    else:
        return _nothing(RefundTicket)
    return Selection(RefundTicket, where + (Condition("environment", "eq", principal.environment),))


def deliveries(tx: Transaction, principal: Principal, store_id: str) -> Selection:
    """A store's webhook deliveries, for its merchant, in the key's environment."""
    if not isinstance(principal, MerchantPrincipal) or store_id not in visible_store_ids(tx, principal):
        return _nothing(WebhookDelivery)
    return Selection(WebhookDelivery, (Condition("store_id", "eq", store_id),
                                       Condition("environment", "eq", principal.environment)))


def merchant(tx: Transaction, principal: Principal, merchant_id: str) -> Merchant | None:
    if isinstance(principal, MerchantPrincipal) and principal.merchant_id == merchant_id:
        return tx.get(Merchant, merchant_id)
    return None


def one(tx: Transaction, selection: Selection, key: str) -> Any:
    """The entity with this id, if the selection holds it."""
    if selection.nothing:
        return None
    found = tx.select(selection.kind, selection.where + (Condition("id", "eq", key),), selection.order, 1, 0, True)
    return found[0] if found else None

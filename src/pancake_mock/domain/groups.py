"""Subscription product groups: the plans a subscription may change between, and whether they
share one trial. A group is made and changed in the test environment; publishing upserts its
production copy under the same id."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from . import errors
from .auth import MerchantPrincipal
from .catalog import checked_name, owned_store
from .commands import ById, CreateGroup, UpdateGroup, given
from .model import SUBSCRIPTION, GroupRules, Product, ProductGroup, Store
from .ports import Transaction
from .stores import patched


def _members(tx: Transaction, store: Store, product_ids: tuple[str, ...]) -> list[str]:
    """The ids, each once and in order, once each is known to be a subscription product of the store."""
    for index, product_id in enumerate(product_ids):
        product = tx.get(Product, product_id)
        if product is None or product.store_id != store.id or product.type != SUBSCRIPTION:
            raise errors.GROUP_PRODUCT.error(index=index)
    return list(dict.fromkeys(product_ids))


def create_group(tx: Transaction, merchant: MerchantPrincipal, command: CreateGroup, now: datetime) -> ProductGroup:
    store = owned_store(tx, merchant.merchant_id, command.store_id)
    group = ProductGroup(
        id=tx.new_uuid("group"), environment="test", store_id=store.id, name=checked_name(command.name),
        description=command.description, rules=patched(GroupRules(), command.rules, GroupRules()) if command.rules
        else GroupRules(), product_ids=_members(tx, store, command.product_ids), created_at=now, updated_at=now)
    tx.add(group)
    return group


def _owned(tx: Transaction, merchant: MerchantPrincipal, group_id: str) -> ProductGroup:
    """The test copy of a group of this merchant's stores; another merchant's is as good as absent."""
    group = tx.get(ProductGroup, (group_id, "test"))
    store = tx.get(Store, group.store_id) if group else None
    if group is None or store is None or store.merchant_id != merchant.merchant_id or store.deleted_at is not None:
        raise errors.GROUP_NOT_FOUND.error()
    return group


def update_group(tx: Transaction, merchant: MerchantPrincipal, command: UpdateGroup, now: datetime) -> ProductGroup:
    """`productIds` replaces the members; `rules` is merged switch by switch."""
    group = _owned(tx, merchant, command.id)
    changes = given(command, "id")
    if "name" in changes:
        changes["name"] = checked_name(changes["name"])
    if "rules" in changes:
        changes["rules"] = patched(group.rules, changes["rules"], GroupRules())
    if "product_ids" in changes:
        changes["product_ids"] = _members(tx, tx.get(Store, group.store_id), changes["product_ids"])
    updated = replace(group, **changes, updated_at=now)
    tx.save(updated, *changes, "updated_at")
    return updated


def delete_group(tx: Transaction, merchant: MerchantPrincipal, command: ById) -> ProductGroup:
    """A hard delete of both copies; the answer is the test copy as it was."""
    group = _owned(tx, merchant, command.id)
    published = tx.get(ProductGroup, (group.id, "prod"))
    if published is not None:
        tx.delete(published)
    tx.delete(group)
    return group


def publish_group(tx: Transaction, merchant: MerchantPrincipal, command: ById, now: datetime) -> ProductGroup:
    group = _owned(tx, merchant, command.id)
    published = tx.get(ProductGroup, (group.id, "prod"))
    copy = replace(group, environment="prod", created_at=published.created_at if published else now, updated_at=now)
    if published is None:
        tx.add(copy)
    else:
        tx.save(copy, "name", "description", "rules", "product_ids", "updated_at")
    return copy

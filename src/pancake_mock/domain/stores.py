"""Stores: create-store, update-store and delete-store as the SDK's `Store` has them, and the
production switch the control plane holds (KYB on the real platform)."""

from __future__ import annotations

import re
from dataclasses import is_dataclass, replace
from datetime import datetime
from typing import Any

from .. import codec
from . import errors
from .auth import MerchantPrincipal
from .catalog import owned_store
from .commands import ById, CreateStore, EnableProduction, UpdateStore, given
from .model import CheckoutSession, CheckoutSettings, NotificationSettings, Store
from .ports import Transaction

CREATE_NAME_LIMIT = 48
UPDATE_NAME_LIMIT = 100
# The toggles a merchant writes; the platform manages every other consumer e-mail.
WRITABLE_NOTIFICATIONS = frozenset(
    {name for name in vars(NotificationSettings()) if name.startswith("notify_")}
    | {"email_upcoming_charge", "email_trial_ending"})
# What update-store accepts and answers with a warning, writing nothing.
NOT_WRITTEN = frozenset({"webhook_settings", "support_email", "website"})


def slug_of(name: str, suffix: str) -> str:
    """A store's public slug: its name in lower-case words, then a suffix that keeps it unique."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32]
    return f"{base}-{suffix}" if base else f"store-{suffix}"


def _checked_name(name: str, limit: int) -> str:
    name = name.strip()
    if not name:
        raise errors.MISSING_FIELD.error(field="name")
    if len(name) > limit:
        raise errors.STORE_NAME_TOO_LONG.error(limit=limit)
    return name


def create_store(tx: Transaction, merchant: MerchantPrincipal, command: CreateStore, now: datetime) -> Store:
    """A new store is active, and closed to production checkout until the platform enables it."""
    name = _checked_name(command.name, CREATE_NAME_LIMIT)
    store = Store(id=tx.new_id("STO"), merchant_id=merchant.merchant_id, name=name,
                  slug=slug_of(name, tx.new_uuid("slug")[:6]), status="active", prod_enabled=False,
                  created_at=now, updated_at=now)
    tx.add(store)
    return store


def patched(current: Any, patch: Any, default: Any) -> Any:
    """`current` with what a partial update gives: a value sets a field, a null puts `default`'s
    back, a nested patch is applied the same way."""
    changes = {}
    for name, value in given(patch).items():
        if value is None:
            changes[name] = getattr(default, name)
        elif is_dataclass(value):
            changes[name] = patched(getattr(current, name), value, getattr(default, name))
        else:
            changes[name] = value
    return replace(current, **changes)


def update_store(tx: Transaction, merchant: MerchantPrincipal, command: UpdateStore,
                 now: datetime) -> tuple[Store, list[errors.Notice]]:
    store = owned_store(tx, merchant.merchant_id, command.id)
    sent = given(command, "id")
    changes = {name: value for name, value in sent.items() if name not in NOT_WRITTEN}
    warnings = [errors.WEBHOOK_SETTINGS_IGNORED.notice()] if "webhook_settings" in sent else []
    warnings += [errors.VERIFIED_FIELD.notice(field=codec.camel(name)) for name in ("support_email", "website")
                 if name in sent]
    if "name" in changes:
        changes["name"] = _checked_name(changes["name"], UPDATE_NAME_LIMIT)
    if "notification_settings" in changes:
        patch = changes["notification_settings"]
        current = store.notification_settings or NotificationSettings()
        if patch is None:  # every writable toggle back on
            changes["notification_settings"] = replace(current, **dict.fromkeys(WRITABLE_NOTIFICATIONS, True))
        else:
            toggles = given(patch)
            warnings += [errors.PLATFORM_NOTIFICATION.notice(name=codec.camel(name))
                         for name in toggles if name not in WRITABLE_NOTIFICATIONS]
            changes["notification_settings"] = replace(current, **{  # a null toggle is back at its default: on
                name: value is not False for name, value in toggles.items() if name in WRITABLE_NOTIFICATIONS})
    if "checkout_settings" in changes:
        patch = changes["checkout_settings"]
        changes["checkout_settings"] = CheckoutSettings() if patch is None else \
            patched(store.checkout_settings or CheckoutSettings(), patch, CheckoutSettings())
    for name, value in changes.items():
        setattr(store, name, value)
    store.updated_at = now
    tx.save(store, *changes, "updated_at")
    return store, warnings


def delete_store(tx: Transaction, merchant: MerchantPrincipal, command: ById, now: datetime) -> Store:
    """A soft delete: the store, its products and its slug are gone for every caller, and its open
    checkout sessions expire now (their orders would be refused as for any expired session)."""
    store = owned_store(tx, merchant.merchant_id, command.id)
    store.deleted_at = store.updated_at = now
    tx.save(store, "deleted_at", "updated_at")
    for session in tx.find(CheckoutSession, store_id=store.id, status="open"):
        if session.expires_at > now:
            session.expires_at = now
            tx.save(session, "expires_at")
    return store


def enable_production(tx: Transaction, command: EnableProduction, now: datetime) -> Store:
    """The control plane's stand-in for KYB: opens (or closes) a store's production checkout."""
    store = tx.get(Store, command.store_id)
    if store is None or store.deleted_at is not None:
        raise errors.STORE_NOT_FOUND.error()
    if store.prod_enabled != command.prod_enabled:
        store.prod_enabled, store.updated_at = command.prod_enabled, now
        tx.save(store, "prod_enabled", "updated_at")
    return store

"""A store's webhook endpoints: registration, as `store/add-webhook`, `update-webhook` and
`remove-webhook` have it (the event types and channels are the contract's enums)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from . import errors
from .auth import MerchantPrincipal
from .catalog import owned_store
from .checkout import is_http_url
from .commands import AddWebhook, ById, UpdateWebhook
from .model import Webhook
from .ports import Transaction

MAX_PER_STORE = 20
# The hosts an IM channel's URL may be on; an http endpoint may be anywhere (a local receiver too).
CHANNEL_HOSTS = {
    "feishu": ("open.feishu.cn", "open.larksuite.com"),
    "discord": ("discord.com", "discordapp.com"),
    "telegram": ("api.telegram.org",),
    "slack": ("hooks.slack.com",),
}


def add_webhook(tx: Transaction, merchant: MerchantPrincipal, command: AddWebhook, now: datetime) -> Webhook:
    store = owned_store(tx, merchant.merchant_id, command.store_id)
    _check_url(command.channel, command.url)
    if len(tx.find(Webhook, store_id=store.id)) >= MAX_PER_STORE:
        raise errors.WEBHOOK_LIMIT.error(limit=MAX_PER_STORE)
    webhook = Webhook(id=tx.new_uuid("webhook"), store_id=store.id, channel=command.channel, url=command.url,
                      events=list(command.events), test_mode=command.test_mode, secret=command.secret,
                      created_at=now, updated_at=now)
    tx.add(webhook)
    return webhook


def update_webhook(tx: Transaction, merchant: MerchantPrincipal, command: UpdateWebhook, now: datetime) -> Webhook:
    """Only url, events and secret change; channel and testMode are the endpoint's for good."""
    webhook = _owned(tx, merchant, command.id)
    changed = {name: value for name, value in (("url", command.url), ("events", command.events),
                                               ("secret", command.secret)) if value is not None}
    if "url" in changed:
        _check_url(webhook.channel, changed["url"])
    updated = replace(webhook, **changed, updated_at=now)
    tx.save(updated, *changed, "updated_at")
    return updated


def remove_webhook(tx: Transaction, merchant: MerchantPrincipal, command: ById) -> Webhook:
    """A hard delete; the answer is the webhook as it was."""
    webhook = _owned(tx, merchant, command.id)
    tx.delete(webhook)
    return webhook


def _owned(tx: Transaction, merchant: MerchantPrincipal, webhook_id: str) -> Webhook:
    webhook = tx.get(Webhook, webhook_id)
    if webhook is None:
        raise errors.WEBHOOK_NOT_FOUND.error()
    owned_store(tx, merchant.merchant_id, webhook.store_id)  # another merchant's: 403
    return webhook


def _check_url(channel: str, url: str) -> None:
    if not is_http_url(url):
        raise errors.WEBHOOK_URL.error()
    hosts = CHANNEL_HOSTS.get(channel)
    if hosts is not None and urlsplit(url).hostname not in hosts:
        raise errors.WEBHOOK_HOST.error(hosts=" or ".join(hosts), channel=channel)

"""Webhook endpoints: store/add-webhook, update-webhook and remove-webhook, as the reference and the
SDK's StoreWebhook have them."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from support import MockServer, another_merchant

ADD, UPDATE, REMOVE = (f"/v1/actions/store/{name}-webhook" for name in ("add", "update", "remove"))


def add(api, **fields):
    body = {"storeId": api.stores[0]["id"], "channel": "http", "url": "http://127.0.0.1:9/hook",
            "events": ["order.completed"], "testMode": True, **fields}
    return api.signed(ADD, body)


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["message"]


def test_add_update_remove(api):
    added = add(api, secret=None)
    assert added.status_code == 200, added.text
    webhook = added.json()["data"]["webhook"]
    assert uuid.UUID(webhook["id"]).version == 4
    assert {k: webhook[k] for k in ("storeId", "channel", "url", "events", "testMode", "secret")} == {
        "storeId": api.stores[0]["id"], "channel": "http", "url": "http://127.0.0.1:9/hook",
        "events": ["order.completed"], "testMode": True, "secret": None}

    changed = api.signed(UPDATE, {"id": webhook["id"], "events": ["order.completed", "refund.succeeded"]})
    assert changed.status_code == 200, changed.text
    updated = changed.json()["data"]["webhook"]
    assert updated["events"] == ["order.completed", "refund.succeeded"] and updated["url"] == webhook["url"]
    assert updated["updatedAt"] >= webhook["updatedAt"] and updated["createdAt"] == webhook["createdAt"]

    removed = api.signed(REMOVE, {"id": webhook["id"]})
    assert removed.status_code == 200 and removed.json()["data"]["webhook"]["events"] == updated["events"]
    assert error(api.signed(REMOVE, {"id": webhook["id"]})) == (404, "Webhook not found")
    assert error(api.signed(UPDATE, {"id": webhook["id"], "url": "http://127.0.0.1:9/x"})) == (404, "Webhook not found")


def test_at_most_20_per_store(api):
    for n in range(20):
        assert add(api, url=f"http://127.0.0.1:9/{n}").status_code == 200
    assert error(add(api)) == (400, "Webhook limit reached: at most 20 per store")
    assert add(api, storeId=api.stores[1]["id"]).status_code == 200  # the limit is per store


@pytest.mark.parametrize("fields, message", [
    ({"events": ["order.paid"]}, "Invalid field: events[0] must be one of order.completed, subscription.activated, "
     "subscription.payment_succeeded, subscription.renewed, subscription.recovered, subscription.plan_changed, "
     "subscription.plan_change_scheduled, subscription.plan_change_failed, subscription.canceling, "
     "subscription.uncanceled, subscription.canceled, subscription.past_due, refund.succeeded, refund.failed"),
    ({"events": []}, "Invalid field: events must be at least 1 item"),
    ({"channel": "email"}, "Invalid field: channel must be one of http, feishu, discord, telegram, slack"),
    ({"url": "ftp://example.com/x"}, "url must be an absolute http(s) URL"),
    ({"channel": "slack", "url": "https://example.com/x"}, "url must be on hooks.slack.com for the slack channel"),
])
def test_what_add_webhook_refuses(api, fields, message):
    assert error(add(api, **fields)) == (400, message)


def test_an_unknown_store_is_404(api):
    assert error(add(api, storeId="STO_" + "0" * 22)) == (404, "Store not found")


def test_an_im_channel_url_stays_on_its_host(api):
    webhook = add(api, channel="telegram", url="https://api.telegram.org/bot1:A/sendMessage", secret="8737101383")
    assert webhook.status_code == 200, webhook.text
    moved = api.signed(UPDATE, {"id": webhook.json()["data"]["webhook"]["id"], "url": "https://example.com/x"})
    assert error(moved) == (400, "url must be on api.telegram.org for the telegram channel")


def test_another_merchant_s_store_and_webhook_are_403(tmp_path):
    """The seed has one merchant: a second one is written into a SQLite mock's file beside it."""
    with MockServer.start(tmp_path) as server:
        _another_merchant_is_refused(server, server.client())


def _another_merchant_is_refused(server, api):
    with sqlite3.connect(server.data_dir / "pancake.sqlite3") as db:
        another_merchant(db)
        db.execute("INSERT INTO webhooks VALUES ('11111111-2222-4333-8444-555555555555', 'STO_other00000000000000000', "
                   "'http', 'http://127.0.0.1:9/', '[\"order.completed\"]', 1, NULL, '2026-01-01 00:00:00.000000', "
                   "'2026-01-01 00:00:00.000000')")
    denied = "Access denied: you do not have permission to this store"
    assert error(add(api, storeId="STO_other00000000000000000")) == (403, denied)
    assert error(api.signed(REMOVE, {"id": "11111111-2222-4333-8444-555555555555"})) == (403, denied)

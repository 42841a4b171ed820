"""What each channel is sent (domain/events.render), the Feishu signature, and the retry schedule.
The IM platforms are not reachable from the tests, so their bodies are checked here, in full."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest

from pancake_mock.adapters.deliveries import feishu_signed
from pancake_mock.domain import events
from pancake_mock.domain.model import Store, Webhook

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
STORE = Store(id="STO_" + "1" * 22, merchant_id="MER_" + "1" * 22, name="Acme", slug="acme-x", status="active",
              prod_enabled=True, created_at=NOW, updated_at=NOW)
EVENT = events.Event(events.ORDER_COMPLETED, "PAY_" + "2" * 22, STORE, "test", NOW, events.EventData(
    order_id="ORD_" + "3" * 22, buyer_email="b@example.com", currency="EUR", amount="11.90", tax_amount="1.90",
    product_name="Pro"))
LINE = f"[test] order.completed: order ORD_{'3' * 22} of Acme, 11.90 EUR for Pro, buyer b@example.com"


def endpoint(channel: str, secret: str | None = None) -> Webhook:
    return Webhook(id="0" * 8, store_id=STORE.id, channel=channel, url="https://example.com", events=["order.completed"],
                   test_mode=True, created_at=NOW, updated_at=NOW, secret=secret)


@pytest.mark.parametrize("channel, secret, payload", [
    ("feishu", None, {"msg_type": "text", "content": {"text": LINE}}),
    ("discord", None, {"content": LINE}),
    ("slack", None, {"text": LINE}),
    ("telegram", "-100123", {"chat_id": "-100123", "text": LINE}),
    ("telegram", None, {"text": LINE}),
])
def test_im_channels_get_one_line_in_their_native_shape(channel, secret, payload):
    assert json.loads(events.render(endpoint(channel, secret), EVENT)) == payload


def test_http_gets_the_envelope_without_absent_fields():
    envelope = json.loads(events.render(endpoint("http"), EVENT))
    assert envelope == {"id": EVENT.id, "timestamp": "2026-12-01T12:00:00.000Z", "eventType": "order.completed",
                        "eventId": EVENT.id, "storeId": STORE.id, "storeName": "Acme", "mode": "test",
                        "data": {"orderId": "ORD_" + "3" * 22, "buyerEmail": "b@example.com", "currency": "EUR",
                                 "amount": "11.90", "taxAmount": "1.90", "productName": "Pro"}}


def test_a_feishu_secret_signs_as_feishu_bots_check():
    body = events.render(endpoint("feishu"), EVENT)
    signed = json.loads(feishu_signed(body, "s3cret", 1_796_140_800_123))
    assert signed["timestamp"] == "1796140800"
    expected = base64.b64encode(hmac.new(b"1796140800\ns3cret", digestmod=hashlib.sha256).digest()).decode()
    assert signed["sign"] == expected
    assert {k: v for k, v in signed.items() if k not in ("timestamp", "sign")} == json.loads(body)


def test_retries_back_off_as_qstash_does_within_the_sdk_s_window():
    delays = [events.retry_delay(n) for n in (1, 2, 3)]
    assert [round(d.total_seconds()) for d in delays] == [12, 148, 1808]
    assert sum(delays, timedelta()) < timedelta(minutes=45)  # the last retry's t still verifies

"""The webhook sender: takes due deliveries from the outbox and POSTs them, off the request path.

Every worker runs one on its event loop. A delivery is claimed in a write (its `sender` is this
process, and its signature's `t` is stamped at the first claim), sent with a 10-second budget, and
its attempt recorded in another write; a retry falls due on the business clock, so moving the
clock forward fires it at once. A claim whose process died (`kill -9` included) lapses, so another
worker, or the next start, sends the delivery again: at least once, never lost. A commit that
writes a delivery or moves the clock wakes the sender of its process; otherwise it looks every
second, which is how a delivery made by another process, or a retry falling due, is found.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
from dataclasses import replace

import httpx
from sqlalchemy import Integer, String, bindparam, func, or_, select

from .. import __version__
from ..domain import events
from ..domain.model import DeliveryAttempt, Webhook, WebhookDelivery
from . import keys, kill_switch
from .clock import BusinessClock
from .schema import webhook_deliveries
from .sql import Statement
from .store import MAPPINGS, SqlTransaction, Store

SIGNING_KEYS = "webhookKeys"  # the setting holding the platform's private key per environment
TIMEOUT = 10.0  # seconds for a whole attempt: connect, send, and the answer's first bytes
LOOK_EVERY = 1.0  # seconds between looks at the outbox when nothing woke the sender
CONCURRENCY = 16  # attempts in flight per process: a hanging endpoint holds up one of them only
RESPONSE_BYTES = 1024  # of an answer's body, kept with its attempt
USER_AGENT = f"pancake-mock/{__version__} (webhooks)"

_pending = webhook_deliveries.c.status == events.PENDING
DUE = Statement(select(webhook_deliveries).where(
    _pending, webhook_deliveries.c.next_attempt_at <= bindparam("now", type_=webhook_deliveries.c.next_attempt_at.type))
    .order_by(webhook_deliveries.c.next_attempt_at).limit(bindparam("limit", type_=Integer())))
# Of the deliveries this process is not sending already.
NEXT_DUE = Statement(select(func.min(webhook_deliveries.c.next_attempt_at)).where(_pending, or_(
    webhook_deliveries.c.sender.is_(None), webhook_deliveries.c.sender != bindparam("me", type_=String()))))
_DELIVERY = MAPPINGS[WebhookDelivery]

log = logging.getLogger("pancake_mock.webhooks")


def public_keys(tx: SqlTransaction) -> dict[str, str]:
    """The platform's public key per environment: what the SDK's `webhookPublicKey` takes."""
    return {environment: keys.public_pem(private_pem) for environment, private_pem in tx.setting(SIGNING_KEYS).items()}


def signature_header(private_pem: str, t: int, body: str) -> str:
    """`X-Waffo-Signature`: RSA-SHA256 over "t.rawBody", as the SDK's verifyWebhook checks it."""
    return f"t={t},v1={keys.sign(private_pem, f'{t}.{body}'.encode())}"


def feishu_signed(body: str, secret: str, t: int) -> str:
    """A Feishu bot with signature verification on checks `sign` over its timestamp (in seconds)."""
    seconds = str(t // 1000)
    sign = base64.b64encode(hmac.new(f"{seconds}\n{secret}".encode(), digestmod=hashlib.sha256).digest()).decode()
    return json.dumps({"timestamp": seconds, "sign": sign, **json.loads(body)}, ensure_ascii=False,
                      separators=(",", ":"))


class Sender:
    def __init__(self, store: Store, clock: BusinessClock):
        self.store = store
        self.clock = clock
        self.owner = store.liveness.owner
        self._loop: asyncio.AbstractEventLoop | None = None
        self._woken = asyncio.Event()
        self._in_flight: set[asyncio.Task] = set()
        self._task: asyncio.Task | None = None
        store.on_commit({webhook_deliveries.name, "settings"}, self.wake)

    def wake(self) -> None:
        """From any thread: a commit may have made a delivery due."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._woken.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._run())

    async def stop(self) -> None:
        """Attempts cut short stay claimed by this process, whose end frees them for the next start."""
        self._loop = None
        for task in (self._task, *self._in_flight):
            if task is not None:
                task.cancel()
        await asyncio.gather(*(task for task in (self._task, *self._in_flight) if task), return_exceptions=True)

    async def _run(self) -> None:
        with self.store.snapshot() as tx:
            signing_keys = tx.setting(SIGNING_KEYS)
        client: httpx.AsyncClient | None = None  # made at the first delivery: its TLS context costs 5 MB
        try:
            while True:
                self._woken.clear()
                wait = LOOK_EVERY
                try:
                    claimed, wait = await self._claim(CONCURRENCY - len(self._in_flight))
                    if claimed and client is None:
                        client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, trust_env=False,
                                                   headers={"user-agent": USER_AGENT})
                    for delivery, secret in claimed:
                        task = asyncio.get_running_loop().create_task(self._send(client, signing_keys, delivery, secret))
                        self._in_flight.add(task)
                        task.add_done_callback(self._in_flight.discard)
                except Exception:  # the store is away for a moment (a reset, a restart of PostgreSQL): look again
                    log.exception("could not claim webhook deliveries")
                try:
                    await asyncio.wait_for(self._woken.wait(), timeout=wait)
                except TimeoutError:
                    pass
        finally:
            if client is not None:
                await client.aclose()

    async def _claim(self, room: int) -> tuple[list[tuple[WebhookDelivery, str | None]], float]:
        """Up to `room` due deliveries claimed by this process (with the Feishu secret of their
        endpoint), and how long to wait before the next look."""
        with self.store.snapshot() as tx:  # most looks find nothing due: a read decides that, not a write
            now = self.clock.now(tx)
            next_due = tx.rows(NEXT_DUE, {"me": self.owner})[0][0]
        if next_due is None or room <= 0:
            return [], LOOK_EVERY
        if next_due > now:
            return [], min(LOOK_EVERY, (next_due - now).total_seconds())

        def claim(tx: SqlTransaction) -> list[tuple[WebhookDelivery, str | None]]:
            claimed = []
            wall_ms = int(self.clock.wall.now().timestamp() * 1000)
            for row in tx.rows(DUE, {"now": self.clock.now(tx), "limit": room}):
                delivery = _DELIVERY.entity(row)
                if delivery.sender is not None and self.store.liveness.alive(delivery.sender):
                    continue  # another worker is sending it
                delivery = replace(delivery, sender=self.owner,
                                   signed_at=delivery.signed_at if delivery.signed_at is not None else wall_ms)
                tx.save(delivery, "sender", "signed_at")
                secret = tx.field(Webhook, delivery.webhook_id, "secret") if delivery.channel == "feishu" else None
                claimed.append((delivery, secret))
            return claimed

        claimed = await self.store.write(claim)
        return claimed, 0 if len(claimed) == room else LOOK_EVERY

    async def _send(self, client: httpx.AsyncClient, signing_keys: dict[str, str], delivery: WebhookDelivery,
                    secret: str | None) -> None:
        kill_switch.reached("webhook:before-send")
        body, headers = delivery.body, {"content-type": "application/json"}
        if delivery.channel == "http":
            headers["x-waffo-signature"] = signature_header(signing_keys[delivery.environment], delivery.signed_at, body)
            headers["x-waffo-event"] = delivery.event_type
        elif delivery.channel == "feishu" and secret:
            body = feishu_signed(body, secret, delivery.signed_at)
        status_code = error = answer = None
        started = time.monotonic()
        try:
            async with asyncio.timeout(TIMEOUT):
                async with client.stream("POST", delivery.url, content=body.encode(), headers=headers) as response:
                    status_code, first = response.status_code, b""
                    async for chunk in response.aiter_raw():
                        first += chunk
                        if len(first) >= RESPONSE_BYTES:
                            break
                    answer = first[:RESPONSE_BYTES].decode("utf-8", "replace")
        except TimeoutError:
            status_code, error = None, f"no answer within {TIMEOUT:g} s"
        except httpx.HTTPError as failure:
            status_code, error = None, _describe(failure)
        duration_ms = round((time.monotonic() - started) * 1000)
        kill_switch.reached("webhook:after-send")

        def record(tx: SqlTransaction) -> None:
            current = tx.get(WebhookDelivery, delivery.id)
            # Unless a reset or a resend made it another delivery meanwhile.
            if current is not None and (current.sender, current.signed_at) == (self.owner, delivery.signed_at):
                events.record_attempt(tx, current, DeliveryAttempt(
                    delivery_id=delivery.id, number=0, at=self.clock.now(tx), duration_ms=duration_ms,
                    status_code=status_code, error=error, response_body=answer))

        try:
            await self.store.write(record)
        except Exception:
            log.exception("could not record an attempt of webhook delivery %s", delivery.id)


def _describe(failure: httpx.HTTPError) -> str:
    """Why there was no answer, in a line: the exception's own text, else its kind."""
    kind = {httpx.ConnectError: "cannot connect", httpx.ConnectTimeout: "cannot connect",
            httpx.ReadError: "connection lost", httpx.RemoteProtocolError: "not an HTTP answer",
            httpx.UnsupportedProtocol: "not an http(s) URL"}.get(type(failure), type(failure).__name__)
    return f"{kind}: {failure}" if str(failure) else kind


"""Worlds: where a merchant's state lives and how it is reached. The mock's own world is served at
the root; each tenant (POST /_mock/tenants) is a world of its own, served under `/t/{tenantId}`.

A world's store holds all of it: its merchant, keys, stores and catalog, its business clock, the
PSP's faults and journal, its webhook outbox. So worlds cannot see each other, a reset of one is a
reset of its store only, and tests in parallel, each in a tenant, never meet. A tenant's store is a
SQLite file beside the mock's, or a schema of the mock's PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Integer, String, bindparam, func, insert, select, update

from ..domain.model import ENVIRONMENTS
from . import deliveries, keys, seed
from .clock import BusinessClock
from .deliveries import SIGNING_KEYS
from .psp import FakePsp
from .schema import tenants
from .sql import Statement
from .store import SqlTransaction, Store, sqlite_url
from .ticker import Ticker

log = logging.getLogger("pancake_mock.tenants")

TENANT_PREFIX = "TEN"
WATCH_EVERY = 2.0  # seconds: how soon a worker opens a tenant another one made, and lets go of one deleted
# What a reset keeps: the world's seeds, keys and token secret, so its ids and credentials stay.
KEPT_ON_RESET = ("seed", "catalogSeed", "devKeys", "tokenSecret", SIGNING_KEYS)

_LIVE = Statement(select(tenants.c.id, tenants.c.created_at).where(tenants.c.deleted_at.is_(None))
                  .order_by(tenants.c.number))
_LAST_NUMBER = Statement(select(func.max(tenants.c.number)))
_ADD = Statement(insert(tenants).values(id=bindparam("id", type_=String()), number=bindparam("number", type_=Integer()),
                                        created_at=bindparam("at", type_=tenants.c.created_at.type)))
_DELETE = Statement(update(tenants).where(tenants.c.id == bindparam("id", type_=String()), tenants.c.deleted_at.is_(None))
                    .values(deleted_at=bindparam("at", type_=tenants.c.deleted_at.type)))


class World:
    def __init__(self, store: Store, base_url: str, clock: BusinessClock, tenant_id: str | None = None):
        self.store = store
        self.base_url = base_url.rstrip("/")
        self.path = urlsplit(self.base_url).path  # what the world's own links start with
        self.tenant_id = tenant_id
        self.clock = clock
        self.psp = FakePsp(self.base_url)
        self.sender = deliveries.Sender(store, clock)
        self.ticker = Ticker(store, clock)
        self.running = False

    def prepare(self, first: dict[str, Any]) -> None:
        """Seed an empty store (once, whichever worker gets there first), with the settings `first`
        (its seeds and token secret) and keys of its own."""
        with self.store.transaction() as tx:
            if tx.setting("devKeys") is None:
                made = keys.generate_private_keys(4)
                for name, value in first.items():
                    tx.put_setting(name, value)
                tx.put_setting("devKeys", dict(zip(ENVIRONMENTS, made)))
                tx.put_setting(SIGNING_KEYS, dict(zip(ENVIRONMENTS, made[2:])))
                self._seed(tx)
            elif tx.setting(SIGNING_KEYS) is None:  # a data dir made before webhooks were signed
                tx.put_setting(SIGNING_KEYS, dict(zip(ENVIRONMENTS, keys.generate_private_keys(2))))

    def credentials(self) -> dict[str, Any]:
        """What a client needs to talk to this world, in the shape of `credentials.json`."""
        with self.store.snapshot() as tx:
            creds = seed.credentials(tx, self.base_url, tx.setting("devKeys"))
            creds["webhookPublicKey"] = deliveries.public_keys(tx)
        return {"tenantId": self.tenant_id, **creds} if self.tenant_id else creds

    def reset(self, tx: SqlTransaction) -> None:
        """Back to the seeded state: the same seed, so the same ids; the same keys and token secret."""
        kept = {name: tx.setting(name) for name in KEPT_ON_RESET}
        tx.wipe()
        for name, value in kept.items():
            if value is not None:
                tx.put_setting(name, value)
        self._seed(tx)

    def _seed(self, tx: SqlTransaction) -> None:
        # A tenant's catalog is the mock's (same names and prices), its ids are its own.
        seed.seed(tx, tx.setting("catalogSeed", tx.setting("seed")), tx.setting("devKeys"), self.clock.now(tx))

    async def start(self) -> None:
        """Its background work, in this process: webhooks sent, business time kept up with."""
        if not self.running:
            self.running = True
            await self.sender.start()
            await self.ticker.start()

    async def stop(self) -> None:
        if self.running:
            self.running = False
            await self.ticker.stop()
            await self.sender.stop()


class Tenants:
    """The directory of tenants, kept in the mock's store, and the worlds of those this process has
    open. Every worker opens every tenant (each runs its background work, as for the mock's own
    world) and lets go of deleted ones, within WATCH_EVERY of the change or at once after its own."""

    def __init__(self, root: World, data_dir: Path, database_url: str | None):
        self.root = root
        self._folder = data_dir / "tenants"
        self._database_url = database_url
        self._open: dict[str, World] = {}
        self._opening: dict[str, asyncio.Future] = {}
        self._deleted: set[str] = set()  # by this process: their stores are dropped once that commits
        self._changed = asyncio.Event()
        root.store.on_commit({tenants.name}, self._wake)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None

    def create(self, tx: SqlTransaction, now: datetime) -> dict[str, Any]:
        """A new tenant, registered in the mock's transaction `tx`: the seeded world with ids, keys and a
        clock of its own. Its credentials. Blocking (a new store, RSA keys): not for the event loop."""
        number = (tx.rows(_LAST_NUMBER)[0][0] or 0) + 1
        tenant_id = tx.numbered_id(TENANT_PREFIX, number)
        tx.execute(_ADD, {"id": tenant_id, "number": number, "at": now})
        world = self._world(tenant_id)
        try:
            world.prepare(_first_settings(tx, tenant_id))
            creds = world.credentials()
        except BaseException:
            world.store.drop()
            raise
        self._open[tenant_id] = world
        return creds

    @staticmethod
    def listed(tx: SqlTransaction) -> list[tuple[str, datetime]]:
        return [(tenant_id, created_at) for tenant_id, created_at in tx.rows(_LIVE)]

    def base_url(self, tenant_id: str) -> str:
        return f"{self.root.base_url}/t/{tenant_id}"

    def delete(self, tx: SqlTransaction, tenant_id: str, now: datetime) -> bool:
        """Mark a tenant deleted in the mock's transaction; its store goes once that commits."""
        if not tx.execute(_DELETE, {"id": tenant_id, "at": now}):
            return False
        tx.touched.add(tenants.name)
        self._deleted.add(tenant_id)
        return True

    async def world(self, tenant_id: str) -> World | None:
        """A live tenant's world, opened in this process on first use; None for no such tenant."""
        world = self._open.get(tenant_id)
        if world is None:
            if not _well_formed(tenant_id):
                return None
            opening = self._opening.get(tenant_id)
            if opening is None:  # one opening per tenant, however many requests wait for it
                opening = self._opening[tenant_id] = asyncio.ensure_future(asyncio.to_thread(self._open_listed, tenant_id))
                opening.add_done_callback(lambda _done: self._opening.pop(tenant_id, None))
            world = await asyncio.shield(opening)
            if world is None:
                return None
        await world.start()
        return world

    def opened(self, tenant_id: str) -> World | None:
        """A live tenant's world, by the directory, opened in this process if need be. Blocking."""
        return self._open_listed(tenant_id) if _well_formed(tenant_id) else None

    def _open_listed(self, tenant_id: str) -> World | None:
        with self.root.store.snapshot() as tx:
            if tenant_id not in {listed for listed, _at in self.listed(tx)}:
                return None
            first = _first_settings(tx, tenant_id)
        if tenant_id in self._open:
            return self._open[tenant_id]
        world = self._world(tenant_id)
        world.prepare(first)  # a tenant whose creation was cut short (kill -9) is seeded now
        return self._open.setdefault(tenant_id, world)

    def _store(self, tenant_id: str) -> Store:
        if self._database_url:
            schema = "tenant_" + hashlib.sha256(tenant_id.encode()).hexdigest()[:24]
            return Store(self._database_url, schema=schema, liveness=self.root.store.liveness)
        self._folder.mkdir(mode=0o700, exist_ok=True)
        return Store(sqlite_url(str(self._folder / f"{tenant_id}.sqlite3")), liveness=self.root.store.liveness)

    def _world(self, tenant_id: str) -> World:
        store = self._store(tenant_id)
        store.migrate()
        return World(store, self.base_url(tenant_id), self.root.clock, tenant_id)

    def _wake(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._changed.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._watch())

    async def stop(self) -> None:
        self._loop = None
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for world in list(self._open.values()):
            await world.stop()

    async def _watch(self) -> None:
        while True:
            try:
                await self._sync()
            except Exception:  # the store is away for a moment: look again
                log.exception("could not follow the directory of tenants")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), WATCH_EVERY)
            except TimeoutError:
                pass

    async def _sync(self) -> None:
        with self.root.store.snapshot() as tx:
            live = {tenant_id for tenant_id, _at in self.listed(tx)}
        for tenant_id in [known for known in self._open if known not in live]:
            world = self._open.pop(tenant_id)
            await world.stop()
            world.store.close()
        # Deleted by this process and committed (a deletion rolled back stays live, and is kept).
        for tenant_id in [gone for gone in self._deleted if gone not in live]:
            self._deleted.discard(tenant_id)
            await asyncio.to_thread(self._store(tenant_id).drop)
        for tenant_id in live - set(self._open):
            await self.world(tenant_id)


def _first_settings(root: SqlTransaction, tenant_id: str) -> dict[str, Any]:
    """A new tenant's seeds (ids of its own, the mock's catalog) and the mock's token secret, so that
    one token codec reads the tokens of every world (a token names its world's stored token)."""
    return {"seed": f"{root.setting('seed')}:{tenant_id}", "catalogSeed": root.setting("seed"),
            "tokenSecret": root.setting("tokenSecret")}


def _well_formed(tenant_id: str) -> bool:
    return re.fullmatch(rf"{TENANT_PREFIX}_[0-9A-Za-z]{{22}}", tenant_id) is not None

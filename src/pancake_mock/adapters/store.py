"""State in SQL through SQLAlchemy: SQLite by default (a WAL file shared by every worker), or
PostgreSQL by URL.

The domain's dataclasses are mapped imperatively onto the tables of `schema`, so `domain/` never
imports SQLAlchemy. Each write path is one `transaction()` that holds the store's writer lock from
its first statement: `BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock on PostgreSQL,
and in front of either a `WriterLock`, so waiting writers are woken rather than polling.
Writers are thus serialized across threads, processes and hosts, so "read, check, write" sequences
(one order per session, single-use tokens, id counters, idempotency keys) cannot interleave.
Reads never wait.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import bindparam, create_engine, event, inspect, select, text, tuple_
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, registry

from ..domain import errors, model
from . import migrations
from .schema import (
    api_keys,
    checkout_sessions,
    idempotency_keys,
    merchants,
    metadata,
    orders,
    payments,
    product_versions,
    products,
    session_tokens,
    settings,
    stores,
)

T = TypeVar("T")
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
mapper_registry = registry()

for entity, table in (
    (model.Merchant, merchants),
    (model.ApiKey, api_keys),
    (model.Store, stores),
    (model.Product, products),
    (model.ProductVersion, product_versions),
    (model.CheckoutSession, checkout_sessions),
    (model.SessionToken, session_tokens),
    (model.Order, orders),
    (model.Payment, payments),
    (model.IdempotencyRecord, idempotency_keys),
):
    mapper_registry.map_imperatively(entity, table)


def sqlite_url(path: str) -> str:
    return f"sqlite:///{path}"


def database_url(url: str) -> str:
    """PostgreSQL URLs as people write them, driven by psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def make_engine(url: str, writer_lock: int) -> Engine:
    """An engine whose `execution_options(immediate=True)` connections hold the writer lock.

    `writer_lock` names the lock on PostgreSQL, where several stores may share one database.
    """
    url = database_url(url)
    if not url.startswith("sqlite"):
        engine = create_engine(url, pool_pre_ping=True)

        @event.listens_for(engine, "begin")
        def _lock(connection):
            if connection.get_execution_options().get("immediate", False):
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({writer_lock})")

        return engine
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        # pysqlite's own transaction handling would defer BEGIN; we issue it ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        immediate = connection.get_execution_options().get("immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def storable_text(text: str) -> bool:
    """Whether every store can hold this text: PostgreSQL refuses NUL, and UTF-8 lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _matchable(key: Any) -> bool:
    """False for a lookup no stored row can match (no stored text is unstorable)."""
    return all(storable_text(part) for part in (key if isinstance(key, tuple) else (key,)) if isinstance(part, str))


class SqlTransaction:
    """The domain's `Transaction` port over one SQLAlchemy session.

    Adapters that keep records of their own in the same transaction (the fake PSP) use `session`.
    """

    def __init__(self, session: Session, seeds: dict[str, str]):
        self.session = session
        self._seeds = seeds  # the store's, read once: a data dir keeps the seed it was made with

    def page(self, kind: type[T], order: tuple[str, ...], limit: int, after: tuple | None,
             **where: Any) -> list[T]:
        """Up to `limit` + 1 rows in `order` after the key `after`: one more than asked says a next page exists."""
        table = inspect(kind).local_table
        if not _matchable(tuple(where.values())):
            return []
        columns = [table.c[name] for name in order]
        query = select(kind).where(*(table.c[name] == value for name, value in where.items()))
        if after is not None:
            query = query.where(after_key(columns, after))
        return list(self.session.scalars(query.order_by(*columns).limit(limit + 1)))

    def get(self, kind: type[T], key: Any) -> T | None:
        if not _matchable(key):
            return None
        return self.session.get(kind, key)

    def add(self, entity: object) -> None:
        self.session.add(entity)

    def delete(self, entity: object) -> None:
        self.session.delete(entity)

    def find(self, kind: type[T], **where: Any) -> list[T]:
        table = inspect(kind).local_table
        if not _matchable(tuple(where.values())):
            return []
        query = select(kind)
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        return list(self.session.scalars(query.order_by(*table.primary_key.columns)))

    def flush(self) -> None:
        self.session.flush()

    def _next(self, counter: str) -> int:
        key = f"counter:{counter}"
        row = self.session.get(_Setting, key)
        if row is None:
            row = _Setting(key=key, value=0)
            self.session.add(row)
        row.value = int(row.value) + 1
        return row.value

    def _digest(self, counter: str) -> bytes:
        # Ids come from (seed, counter): a run with the same seed and the same calls repeats
        # them, and every worker draws from the one counter in the store. The seed is the one the
        # data dir was made with.
        if "seed" not in self._seeds:
            self._seeds["seed"] = str(self.setting("seed"))
        n = self._next(counter)
        return hashlib.sha256(f"{self._seeds['seed']}:{counter}:{n}".encode()).digest()[:16]

    def new_id(self, prefix: str) -> str:
        number = int.from_bytes(self._digest(prefix), "big")
        chars = []
        for _ in range(22):
            number, digit = divmod(number, 62)
            chars.append(BASE62[digit])
        return f"{prefix}_{''.join(reversed(chars))}"

    def new_session_id(self) -> str:
        raw = bytearray(self._digest("cs"))
        raw[6] = (raw[6] & 0x0F) | 0x40  # shaped as a UUID v4
        raw[8] = (raw[8] & 0x3F) | 0x80
        h = raw.hex()
        return f"cs_{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def wipe(self) -> None:
        """Delete every row, keeping the schema."""
        for table in reversed(metadata.sorted_tables):
            self.session.execute(table.delete())
        self.session.expunge_all()

    def setting(self, key: str, default: Any = None) -> Any:
        row = self.session.get(_Setting, key)
        return default if row is None else row.value

    def put_setting(self, key: str, value: Any) -> None:
        row = self.session.get(_Setting, key)
        if row is None:
            self.session.add(_Setting(key=key, value=value))
        else:
            row.value = value


def after_key(columns: list, key: tuple):
    """Rows whose (columns) sort after `key`, as one row-value comparison an index can serve."""
    values = [bindparam(None, value, type_=column.type) for column, value in zip(columns, key)]
    return tuple_(*columns) > tuple_(*values)


class _Setting:
    def __init__(self, key: str, value: Any):
        self.key = key
        self.value = value


mapper_registry.map_imperatively(_Setting, settings)


class Store:
    """Where the mock's state lives. `transaction()` for writes, `snapshot()` for reads."""

    WRITER_LOCK = 0x70616E63  # "panc"

    def __init__(self, url: str):
        self.url = database_url(url)
        self.engine = make_engine(self.url, self.WRITER_LOCK)
        self._writer = self.engine.execution_options(immediate=True)
        self._writer_lock = WriterLock.for_store(self.url)
        self._seeds: dict[str, str] = {}
        self.liveness = Liveness.for_store(self)

    def migrate(self) -> None:
        """Bring the schema to the newest revision (see migrations/). Under the writer lock, so
        workers and processes starting together migrate once, and all or nothing."""
        with self._writer_lock, self._writer.begin() as connection:
            migrations.upgrade(connection)

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        """One unit of work: it commits when the block ends, or when it raises an error that is
        `kept` (a refusal that is itself a fact); any other exception rolls it back."""
        with self._writer_lock, Session(self._writer, expire_on_commit=False) as session:
            session.begin()
            try:
                yield SqlTransaction(session, self._seeds)
            except errors.ApiError as error:
                if not error.kept:
                    session.rollback()
                    raise
                session.commit()
                raise
            except BaseException:
                session.rollback()
                raise
            session.commit()

    @contextmanager
    def snapshot(self) -> Iterator[SqlTransaction]:
        with Session(self.engine, expire_on_commit=False) as session:
            with session.begin():
                yield SqlTransaction(session, self._seeds)


class WriterLock:
    """Writers queue here before the database's own lock, so a waiter is woken when the writer
    before it is done instead of polling: a thread lock within the process and, for SQLite, whose
    writers all share a host, a `flock` across processes. PostgreSQL's advisory lock already queues."""

    def __init__(self, path: Path | None):
        self._threads = threading.Lock()
        self._file = open(path, "a") if path else None

    @classmethod
    def for_store(cls, url: str) -> WriterLock:
        parsed = make_url(url)
        return cls(Path(f"{parsed.database}.writer") if parsed.get_backend_name() == "sqlite" else None)

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._file is not None:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX)
            except BaseException:
                self._threads.release()
                raise

    def __exit__(self, *_exc: object) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()


class Liveness:
    """Which processes are alive, by a lock each holds for its lifetime and the OS or the database
    releases when it dies (`kill -9` included): an in-flight idempotency key names its process."""

    def __init__(self, owner: str, probe: Callable[[str], bool]):
        self.owner = owner
        self._probe = probe

    def alive(self, owner: str | None) -> bool:
        return owner == self.owner or (owner is not None and self._probe(owner))

    @classmethod
    def for_store(cls, store: Store) -> Liveness:
        url = make_url(store.url)
        if url.get_backend_name() == "sqlite":
            return cls._file_locks(Path(f"{url.database}.owners"))
        return cls._advisory_locks(store.engine)

    @classmethod
    def _file_locks(cls, folder: Path) -> Liveness:
        # Processes sharing a SQLite file share a host: a flock on a file per process.
        folder.mkdir(parents=True, exist_ok=True)
        owner = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
        # Locked before it gets its name, so no probe ever finds it unlocked while its process lives.
        held = open(folder / f".{owner}", "w")
        fcntl.flock(held, fcntl.LOCK_EX)
        os.rename(folder / f".{owner}", folder / owner)

        def probe(other: str) -> bool:
            path = folder / other
            if "/" in other or other.startswith(".") or not path.exists():
                return False
            with open(path) as probe_file:
                try:
                    fcntl.flock(probe_file, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
            path.unlink(missing_ok=True)  # its process is gone
            return False

        for other in os.listdir(folder):  # forget the processes that died since (probing removes them)
            if other != owner:
                probe(other)
        liveness = cls(owner, probe)
        liveness._held = held  # open for the process's lifetime
        return liveness

    @classmethod
    def _advisory_locks(cls, engine: Engine) -> Liveness:
        # A session-level advisory lock on a connection of its own: PostgreSQL drops it with the connection.
        key = secrets.randbelow(2**62)
        held = engine.connect()
        held.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        held.commit()
        probe_sql = text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
            " AND ((classid::bigint << 32) | objid::bigint) = :key"
        )

        def probe(other: str) -> bool:
            if not other.startswith("pg-") or not other[3:].isdigit():
                return False
            with engine.connect() as connection:
                return bool(connection.execute(probe_sql, {"key": int(other[3:])}).scalar())

        liveness = cls(f"pg-{key}", probe)
        liveness._held = held
        return liveness

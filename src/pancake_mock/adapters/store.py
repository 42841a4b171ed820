"""State in SQL through SQLAlchemy: SQLite by default (a WAL file shared by every worker), or
PostgreSQL by URL.

The domain's dataclasses are mapped imperatively, so `domain/` never imports SQLAlchemy. Each
write path is one `transaction()` that holds the store's writer lock from its first statement:
`BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock on PostgreSQL. Writers are thus
serialized across threads, processes and hosts, so "read, check, write" sequences (one order per
session, single-use tokens, id counters, idempotency keys) cannot interleave. Reads never wait.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timezone
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, registry

from ..domain import model
from . import migrations

T = TypeVar("T")
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


metadata = MetaData()
mapper_registry = registry()
merchants = Table(
    "merchants",
    metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merchant_id", String, nullable=False, index=True),
    Column("environment", String, nullable=False),
    Column("public_key_pem", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
stores = Table(
    "stores",
    metadata,
    Column("id", String, primary_key=True),
    Column("merchant_id", String, nullable=False, index=True),
    Column("name", String, nullable=False),
    Column("slug", String, nullable=False, unique=True),
    Column("status", String, nullable=False),
    Column("prod_enabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
products = Table(
    "products",
    metadata,
    Column("id", String, primary_key=True),
    Column("store_id", String, nullable=False, index=True),
    Column("type", String, nullable=False),
    Column("status", String, nullable=False),
    Column("version", Integer, nullable=False),
    Column("billing_period", String),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
product_versions = Table(
    "product_versions",
    metadata,
    Column("product_id", String, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("name", String, nullable=False),
    Column("description", String),
    Column("prices", JSON, nullable=False),
    Column("media", JSON, nullable=False),
    Column("success_url", String),
    Column("metadata", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
checkout_sessions = Table(
    "checkout_sessions",
    metadata,
    Column("id", String, primary_key=True),
    Column("store_id", String, nullable=False),
    Column("product_id", String, nullable=False),
    Column("product_type", String, nullable=False),
    Column("product_version", Integer, nullable=False),
    Column("environment", String, nullable=False),
    Column("currency", String, nullable=False),
    Column("price", JSON, nullable=False),
    Column("status", String, nullable=False),
    Column("buyer_email", String),
    Column("billing_detail", JSON),
    Column("success_url", String),
    Column("metadata", JSON, nullable=False),
    Column("order_merchant_external_id", String),
    Column("options", JSON, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
session_tokens = Table(
    "session_tokens",
    metadata,
    Column("id", String, primary_key=True),
    Column("store_id", String, nullable=False),
    Column("buyer_identity", String, nullable=False),
    Column("role", String, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
)
orders = Table(
    "orders",
    metadata,
    Column("id", String, primary_key=True),
    Column("type", String, nullable=False),
    Column("status", String, nullable=False),
    # One order per checkout session, whatever the callers race.
    Column("checkout_session_id", String, nullable=False, unique=True),
    Column("store_id", String, nullable=False, index=True),
    Column("product_id", String, nullable=False),
    Column("product_version", Integer, nullable=False),
    Column("environment", String, nullable=False),
    Column("buyer_email", String, nullable=False),
    Column("buyer_ip", String),
    Column("billing_detail", JSON, nullable=False),
    Column("currency", String, nullable=False),
    Column("price_snapshot", JSON, nullable=False),
    Column("success_url", String),
    Column("metadata", JSON, nullable=False),
    Column("order_merchant_external_id", String),
    Column("payment_id", String),
    Column("checkout_url", String),
    Column("created_at", UtcDateTime, nullable=False),
)
payments = Table(
    "payments",
    metadata,
    Column("id", String, primary_key=True),
    Column("order_id", String, nullable=False, index=True),
    Column("status", String, nullable=False),
    Column("currency", String, nullable=False),
    Column("amount", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String, primary_key=True),
    Column("key", String, primary_key=True),
    Column("state", String, nullable=False),
    Column("status", Integer),
    Column("body", String),
    Column("created_at", UtcDateTime, nullable=False),
)
# Run-wide settings (seed, token secret) and per-prefix id counters.
settings = Table(
    "settings",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", JSON, nullable=False),
)

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
    """The domain's `Transaction` port over one SQLAlchemy session."""

    def __init__(self, session: Session, seed: str):
        self._session = session
        self._seed = seed

    def get(self, kind: type[T], key: Any) -> T | None:
        if not _matchable(key):
            return None
        return self._session.get(kind, key)

    def add(self, entity: object) -> None:
        self._session.add(entity)

    def delete(self, entity: object) -> None:
        self._session.delete(entity)

    def find(self, kind: type[T], **where: Any) -> list[T]:
        table = inspect(kind).local_table
        if not _matchable(tuple(where.values())):
            return []
        query = select(kind)
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        return list(self._session.scalars(query.order_by(*table.primary_key.columns)))

    def flush(self) -> None:
        self._session.flush()

    def _next(self, counter: str) -> int:
        key = f"counter:{counter}"
        row = self._session.get(_Setting, key)
        if row is None:
            row = _Setting(key=key, value=0)
            self._session.add(row)
        row.value = int(row.value) + 1
        return row.value

    def _digest(self, counter: str) -> bytes:
        # Ids come from (seed, counter): a run with the same seed and the same calls repeats
        # them, and every worker draws from the one counter in the store.
        n = self._next(counter)
        return hashlib.sha256(f"{self._seed}:{counter}:{n}".encode()).digest()[:16]

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
            self._session.execute(table.delete())
        self._session.expunge_all()

    def setting(self, key: str, default: Any = None) -> Any:
        row = self._session.get(_Setting, key)
        return default if row is None else row.value

    def put_setting(self, key: str, value: Any) -> None:
        row = self._session.get(_Setting, key)
        if row is None:
            self._session.add(_Setting(key=key, value=value))
        else:
            row.value = value


class _Setting:
    def __init__(self, key: str, value: Any):
        self.key = key
        self.value = value


mapper_registry.map_imperatively(_Setting, settings)


class Store:
    """Where the mock's state lives. `transaction()` for writes, `snapshot()` for reads."""

    WRITER_LOCK = 0x70616E63  # "panc"

    def __init__(self, url: str):
        self.engine = make_engine(url, self.WRITER_LOCK)
        self._writer = self.engine.execution_options(immediate=True)
        self.seed = ""

    def migrate(self) -> None:
        """Bring the schema to the newest revision (see migrations/). Under the writer lock, so
        workers and processes starting together migrate once, and all or nothing."""
        with self._writer.begin() as connection:
            migrations.upgrade(connection)

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        with Session(self._writer, expire_on_commit=False) as session:
            with session.begin():
                yield SqlTransaction(session, self.seed)

    @contextmanager
    def snapshot(self) -> Iterator[SqlTransaction]:
        with Session(self.engine, expire_on_commit=False) as session:
            with session.begin():
                yield SqlTransaction(session, self.seed)


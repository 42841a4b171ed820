"""State in SQL through SQLAlchemy: SQLite by default (a WAL file shared by every worker), or
PostgreSQL by URL.

The domain's dataclasses map field by field onto the tables of `schema` (`Mapping`), so `domain/`
never imports SQLAlchemy; statements run on the driver's cursor (`sql`). Every write transaction
holds the store's writer lock from its first statement: `BEGIN IMMEDIATE` on SQLite, a
transaction-scoped advisory lock on PostgreSQL, and in front of either a `WriterLock`, so waiting
writers are woken rather than polling. Writers are thus serialized across threads, processes and
hosts, so "read, check, write" sequences (one order per session, single-use tokens, id counters,
idempotency keys) cannot interleave; on the event loop, the requests' units of work share such a
transaction a batch at a time (`Writer`). Reads never wait.
"""

from __future__ import annotations

import asyncio
import hashlib
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Integer, String, and_, bindparam, create_engine, delete, event, insert, select, tuple_, update
from sqlalchemy.engine import Engine, make_url

from .. import codec
from ..domain import errors, model
from . import migrations, queries
from .locks import Liveness, WriterLock
from .schema import (
    api_keys,
    checkout_sessions,
    counters,
    delivery_attempts,
    idempotency_keys,
    merchants,
    metadata,
    orders,
    payments,
    product_groups,
    product_versions,
    products,
    refund_tickets,
    session_tokens,
    settings,
    stores,
    subscriptions,
    webhook_deliveries,
    tenants,
    webhooks,
)
from .sql import Statement
from .writer import Writer

T = TypeVar("T")
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class Mapping:
    """One entity kind on its table: a dataclass whose fields are the table's columns."""

    def __init__(self, kind: type, table: Any):
        self.kind = kind
        self.table = table
        self.columns = tuple(column.key for column in table.columns)
        self.key = tuple(column.key for column in table.primary_key.columns)
        key_match = and_(*(column == bindparam(f"k_{column.key}", type_=column.type)
                           for column in table.primary_key.columns))
        self.get = Statement(select(table).where(key_match))
        self.delete = Statement(delete(table).where(key_match))
        self._key_match = key_match
        self._updates: dict[tuple[str, ...], Statement] = {}
        self._fields: dict[str, Statement] = {}
        # A serial key left None is the database's to choose.
        self.generated = next((column.key for column in table.primary_key.columns if column.autoincrement is True), None)
        self.inserts = {omitted: Statement(insert(table).values(
            {column: bindparam(f"v_{column.key}", type_=column.type) for column in table.columns
             if column.key != omitted})) for omitted in {None, self.generated}}

    def update(self, names: tuple[str, ...]) -> Statement:
        """The UPDATE of these columns of one row, made once per set of columns."""
        statement = self._updates.get(names)
        if statement is None:
            statement = self._updates[names] = Statement(update(self.table).where(self._key_match).values(
                {self.table.c[name]: bindparam(f"v_{name}", type_=self.table.c[name].type) for name in names}))
        return statement

    def field(self, name: str) -> Statement:
        """The SELECT of one column of one row, made once per column."""
        statement = self._fields.get(name)
        if statement is None:
            statement = self._fields[name] = Statement(select(self.table.c[name]).where(self._key_match))
        return statement

    def entity(self, row: tuple) -> Any:
        return self.kind(**dict(zip(self.columns, row)))

    def key_of(self, key: Any) -> dict[str, Any]:
        return {f"k_{name}": value for name, value in zip(self.key, key if isinstance(key, tuple) else (key,))}

    def values(self, entity: Any, names: tuple[str, ...]) -> dict[str, Any]:
        return {f"v_{name}": getattr(entity, name) for name in names}


MAPPINGS = {mapping.kind: mapping for mapping in (
    Mapping(model.Merchant, merchants),
    Mapping(model.ApiKey, api_keys),
    Mapping(model.Store, stores),
    Mapping(model.Product, products),
    Mapping(model.ProductVersion, product_versions),
    Mapping(model.CheckoutSession, checkout_sessions),
    Mapping(model.SessionToken, session_tokens),
    Mapping(model.Order, orders),
    Mapping(model.Payment, payments),
    Mapping(model.IdempotencyRecord, idempotency_keys),
    Mapping(model.Webhook, webhooks),
    Mapping(model.ProductGroup, product_groups),
    Mapping(model.RefundTicket, refund_tickets),
    Mapping(model.Subscription, subscriptions),
    Mapping(model.WebhookDelivery, webhook_deliveries),
    Mapping(model.DeliveryAttempt, delivery_attempts),
)}


def _table_of(kind: type) -> Any:
    return MAPPINGS[kind].table


@cache
def _selection(kind: type, where: tuple[str, ...], order: tuple[str, ...] | None = None,
               after: bool = False, limited: bool = False, descending: bool = False) -> Statement:
    """Rows of `kind` matching `where`, in `order` (else by key) or its reverse, after a key in that
    direction, up to a limit."""
    table = MAPPINGS[kind].table
    columns = [table.c[name] for name in (order or MAPPINGS[kind].key)]
    query = select(table).where(*(table.c[name] == bindparam(f"w_{name}", type_=table.c[name].type) for name in where))
    if after:
        key = [bindparam(f"a_{column.key}", type_=column.type) for column in columns]
        query = query.where(after_key(columns, key, descending=descending))
    if limited:
        query = query.limit(bindparam("limit", type_=Integer()))
    return Statement(query.order_by(*(column.desc() if descending else column for column in columns)))


SETTING = Statement(select(settings.c.value).where(settings.c.key == bindparam("key", type_=String())))
PUT_SETTING = Statement(update(settings).where(settings.c.key == bindparam("key", type_=String()))
                        .values(value=bindparam("value", type_=settings.c.value.type)))
ADD_SETTING = Statement(insert(settings).values(key=bindparam("key", type_=String()),
                                                value=bindparam("value", type_=settings.c.value.type)))
# One statement draws the next number of a counter; the first draw creates it.
NEXT = Statement(update(counters).where(counters.c.name == bindparam("name", type_=String()))
                 .values(value=counters.c.value + 1).returning(counters.c.value))
FIRST = Statement(insert(counters).values(name=bindparam("name", type_=String()), value=1))
# A reset keeps the directory of tenants: each tenant's world is its own store, reset on its own.
WIPE = tuple(Statement(delete(table)) for table in reversed(metadata.sorted_tables) if table is not tenants)


def sqlite_url(path: str) -> str:
    return f"sqlite:///{path}"


def database_url(url: str) -> str:
    """PostgreSQL URLs as people write them, driven by psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


@cache
def _tenants_engine(url: str) -> Engine:
    return make_engine(url)


def make_engine(url: str) -> Engine:
    """The engine: its pool hands out the driver connections, and it runs the migrations."""
    url = database_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, json_serializer=codec.json_text)
    # The pool hands out the connection returned last: its page cache is the warm one (SQLite
    # drops a connection's cache whenever another connection has written since it last read).
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                           json_serializer=codec.json_text, pool_use_lifo=True)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        # pysqlite's own transaction handling would defer BEGIN; we issue it ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # A committed transaction is in the OS's page cache the moment COMMIT returns, so a killed
        # process (kill -9 included) loses nothing; only a kernel crash or power cut could, which a
        # mock's data dir can afford. NORMAL's fsyncs at each WAL checkpoint cost a create-order
        # about 100 µs (bench/profile.py).
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

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
    """The domain's `Transaction` port over one driver connection in one database transaction.

    Adapters that keep records of their own in the same transaction (the fake PSP) run their
    statements with `rows` and `execute`.
    """

    def __init__(self, connection: Any, dialect: Any, seeds: dict[str, str], begin: str | None):
        self._cursor = connection.cursor()
        self._dialect = dialect
        self._seeds = seeds  # the store's, read once: a data dir keeps the seed it was made with
        # Reads that every unit of a batch repeats (the business clock's offset, the PSP's fault
        # plan), made once per transaction: no other writer runs while it holds the writer lock,
        # and whoever writes such a row here says so (`forget`).
        self._remembered: dict[Any, Any] = {}
        self.touched: set[str] = set()  # the tables it wrote, for the store's commit watchers
        if begin is not None:
            self.run_sql(begin)

    def remembered(self, key: Any, read: Callable[[], Any]) -> Any:
        """`read()`, made once in this transaction until `forget(key)`."""
        if key not in self._remembered:
            self._remembered[key] = read()
        return self._remembered[key]

    def forget(self, key: Any) -> None:
        self._remembered.pop(key, None)

    def begin_unit(self) -> None:
        """A unit of work within the transaction: it can be undone alone (`undo_unit`)."""
        self.run_sql("SAVEPOINT unit")

    def undo_unit(self) -> None:
        self.run_sql("ROLLBACK TO SAVEPOINT unit")
        self._remembered.clear()  # what the unit wrote, and so may have remembered, is gone

    def end_unit(self) -> None:
        self.run_sql("RELEASE SAVEPOINT unit")

    def rows(self, statement: Statement, params: dict[str, Any] | None = None) -> list[tuple]:
        compiled = statement.compiled(self._dialect)
        self._cursor.execute(compiled.sql, compiled.arguments(params or {}))
        return compiled.rows(self._cursor)

    def run_sql(self, sql: str) -> tuple | None:
        """A statement of the store's own (transaction control, locks); its first row, if any."""
        self._cursor.execute(sql)
        return self._cursor.fetchone() if self._cursor.description else None

    def execute(self, statement: Statement, params: dict[str, Any] | None = None) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        compiled = statement.compiled(self._dialect)
        self._cursor.execute(compiled.sql, compiled.arguments(params or {}))
        return self._cursor.rowcount

    def page(self, kind: type[T], order: tuple[str, ...], limit: int, after: tuple | None, *,
             descending: bool = False, **where: Any) -> list[T]:
        """Up to `limit` + 1 rows in `order` (or, `descending`, its reverse) after the key `after`: one
        more than asked says a next page exists."""
        if not _matchable(tuple(where.values())):
            return []
        params = {f"w_{name}": value for name, value in where.items()}
        params["limit"] = limit + 1
        if after is not None:
            params.update({f"a_{name}": value for name, value in zip(order, after)})
        mapping = MAPPINGS[kind]
        statement = _selection(kind, tuple(where), order, after is not None, limited=True, descending=descending)
        return [mapping.entity(row) for row in self.rows(statement, params)]

    def get(self, kind: type[T], key: Any) -> T | None:
        if not _matchable(key):
            return None
        mapping = MAPPINGS[kind]
        found = self.rows(mapping.get, mapping.key_of(key))
        return mapping.entity(found[0]) if found else None

    def field(self, kind: type, key: Any, name: str) -> Any:
        if not _matchable(key):
            return None
        mapping = MAPPINGS[kind]
        found = self.rows(mapping.field(name), mapping.key_of(key))
        return found[0][0] if found else None

    def add(self, entity: object) -> None:
        mapping = MAPPINGS[type(entity)]
        self.touched.add(mapping.table.name)
        omitted = mapping.generated if mapping.generated and getattr(entity, mapping.generated) is None else None
        names = tuple(name for name in mapping.columns if name != omitted)
        self.execute(mapping.inserts[omitted], mapping.values(entity, names))

    def save(self, entity: object, *fields: str) -> None:
        """Write back these fields of an entity read in this transaction."""
        mapping = MAPPINGS[type(entity)]
        self.touched.add(mapping.table.name)
        self.execute(mapping.update(fields), {**mapping.values(entity, fields),
                                      **mapping.key_of(tuple(getattr(entity, name) for name in mapping.key))})

    def delete(self, entity: object) -> None:
        mapping = MAPPINGS[type(entity)]
        self.execute(mapping.delete, mapping.key_of(tuple(getattr(entity, name) for name in mapping.key)))

    def find(self, kind: type[T], **where: Any) -> list[T]:
        if not _matchable(tuple(where.values())):
            return []
        mapping = MAPPINGS[kind]
        statement = _selection(kind, tuple(where))
        return [mapping.entity(row) for row in self.rows(statement, {f"w_{name}": value for name, value in where.items()})]

    def select(self, kind: type[T], where: tuple, order: tuple[str, ...], limit: int | None, offset: int,
               descending: bool) -> list[T]:
        shape, values = queries.shape_and_values(where, storable_text)
        found = self.rows(queries.statement(_table_of, kind, shape, order, descending, False, limit is not None),
                          queries.params(values, limit, offset))
        return [MAPPINGS[kind].entity(row) for row in found]

    def count(self, kind: type, where: tuple) -> int:
        shape, values = queries.shape_and_values(where, storable_text)
        return self.rows(queries.statement(_table_of, kind, shape, (), False, True, False),
                         queries.params(values))[0][0]

    def _next(self, counter: str) -> int:
        drawn = self.rows(NEXT, {"name": counter})
        if drawn:
            return drawn[0][0]
        self.execute(FIRST, {"name": counter})
        return 1

    def _digest(self, counter: str) -> bytes:
        # Ids come from (seed, counter): a run with the same seed and the same calls repeats
        # them, and every worker draws from the one counter in the store. The seed is the one the
        # data dir was made with.
        n = self._next(counter)
        return hashlib.sha256(f"{self._seed()}:{counter}:{n}".encode()).digest()[:16]

    def _seed(self) -> str:
        if "seed" not in self._seeds:
            self._seeds["seed"] = str(self.setting("seed"))
        return self._seeds["seed"]

    def new_id(self, prefix: str) -> str:
        return _base62_id(prefix, self._digest(prefix))

    def numbered_id(self, prefix: str, number: int) -> str:
        """The id drawn from (seed, prefix, number), for a caller that keeps its own numbers."""
        return _base62_id(prefix, hashlib.sha256(f"{self._seed()}:{prefix}:{number}".encode()).digest()[:16])

    def new_uuid(self, counter: str) -> str:
        raw = bytearray(self._digest(counter))
        raw[6] = (raw[6] & 0x0F) | 0x40  # shaped as a UUID v4
        raw[8] = (raw[8] & 0x3F) | 0x80
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def wipe(self) -> None:
        """Delete every row, keeping the schema."""
        for statement in WIPE:
            self.execute(statement)
        self._remembered.clear()

    def setting(self, key: str, default: Any = None) -> Any:
        found = self.remembered(("setting", key), lambda: self.rows(SETTING, {"key": key}))
        return found[0][0] if found else default

    def put_setting(self, key: str, value: Any) -> None:
        self.forget(("setting", key))
        self.touched.add(settings.name)
        if not self.execute(PUT_SETTING, {"key": key, "value": value}):
            self.execute(ADD_SETTING, {"key": key, "value": value})


def _base62_id(prefix: str, digest: bytes) -> str:
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(22):
        number, digit = divmod(number, 62)
        chars.append(BASE62[digit])
    return f"{prefix}_{''.join(reversed(chars))}"


def after_key(columns: list, key: list, *, descending: bool = False):
    """Rows whose (columns) sort after `key`, in that direction, as one row-value comparison an index can serve."""
    return tuple_(*columns) < tuple_(*key) if descending else tuple_(*columns) > tuple_(*key)


class Store:
    """Where the mock's state lives: `write()` for writes from the event loop (in batches),
    `transaction()` for writes from elsewhere (the start, tools, tests), `snapshot()` for reads."""

    WRITER_LOCK = 0x70616E63  # "panc"

    def __init__(self, url: str, *, schema: str | None = None, liveness: Liveness | None = None):
        """`schema`: on PostgreSQL, a tenant's store in a schema of its own of the same database
        (its tables, its writer lock), over one engine that every tenant of the process shares, so
        forty tenants do not hold forty pools of connections. `liveness`: the process's, when it
        already has one (a tenant's store beside the mock's)."""
        self.url = database_url(url)
        self.schema = schema
        self.engine = _tenants_engine(self.url) if schema else make_engine(self.url)
        self.dialect = self.engine.dialect
        sqlite = self.dialect.name == "sqlite"
        lock = self.WRITER_LOCK ^ zlib.crc32(schema.encode()) if schema else self.WRITER_LOCK
        # What opens a writer's transaction holding the database's writer lock, and a reader's.
        self._begin_writer = "BEGIN IMMEDIATE" if sqlite else f"SELECT pg_advisory_xact_lock({lock})"
        self._begin_reader = "BEGIN" if sqlite else None  # psycopg opens one at the first statement
        # PostgreSQL's lock, tried first without waiting: the event loop must not wait on it.
        self._try_writer = None if sqlite else f"SELECT pg_try_advisory_xact_lock({lock})"
        self._writer_lock = WriterLock.for_store(self.url)
        self._writer = Writer(self)
        self._seeds: dict[str, str] = {}
        self.liveness = liveness or Liveness.for_store(self.url, self.engine)
        self._watchers: list[tuple[frozenset[str], Callable[[], None]]] = []

    def _connect(self) -> Any:
        """A driver connection of the pool, searching this store's schema first."""
        connection = self.engine.raw_connection()
        if self.schema and connection.info.get("schema") != self.schema:
            cursor = connection.cursor()
            cursor.execute(f'SET search_path TO "{self.schema}"')
            cursor.close()
            connection.commit()
            connection.info["schema"] = self.schema
        return connection

    def close(self) -> None:
        """Let go of its connections (those of a tenant's schema are the tenants' engine's, shared)."""
        if not self.schema:
            self.engine.dispose()

    def drop(self) -> None:
        """Delete the store and everything in it (a tenant's, when the tenant is deleted)."""
        if self.schema:
            with self.engine.connect() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
                connection.commit()
            return
        self.engine.dispose()
        database = Path(make_url(self.url).database)
        for path in (database, *(database.with_name(database.name + suffix) for suffix in ("-wal", "-shm", ".writer"))):
            path.unlink(missing_ok=True)

    def on_commit(self, tables: set[str], callback: Callable[[], None]) -> None:
        """Call `callback` after each commit in this process that wrote one of these tables."""
        self._watchers.append((frozenset(tables), callback))

    def committed(self, tx: SqlTransaction) -> None:
        for tables, callback in self._watchers:
            if tables & tx.touched:
                callback()

    def migrate(self) -> None:
        """Bring the schema to the newest revision (see migrations/). Under the writer lock, so
        workers and processes starting together migrate once, and all or nothing."""
        with self._writer_lock, self.engine.connect() as connection:
            if self.schema:
                connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                connection.exec_driver_sql(f'SET search_path TO "{self.schema}"')
                connection.commit()
                connection.connection.info["schema"] = self.schema
            connection.exec_driver_sql(self._begin_writer)
            migrations.upgrade(connection)
            connection.commit()

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        """One unit of work: it commits when the block ends, or when it raises an error that is
        `kept` (a refusal that is itself a fact); any other exception rolls it back."""
        with self._writer_lock, self._unit(self._begin_writer) as (connection, tx):
            try:
                yield tx
            except errors.ApiError as error:
                (connection.commit if error.kept else connection.rollback)()
                raise
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
            self.committed(tx)

    async def open_batch(self) -> tuple[Any, SqlTransaction]:
        """For the `Writer`: a connection in a write transaction holding the writer lock, waited for
        off the event loop (in a thread) when another process holds it."""
        if not self._writer_lock.acquire(blocking=False):
            await asyncio.to_thread(self._writer_lock.acquire)
        try:
            connection = self._connect()
            if self._try_writer is None:  # SQLite: no other writer gets past the writer lock
                return connection, SqlTransaction(connection, self.dialect, self._seeds, self._begin_writer)
            tx = SqlTransaction(connection, self.dialect, self._seeds, None)
            if not tx.run_sql(self._try_writer)[0]:
                await asyncio.to_thread(tx.run_sql, self._begin_writer)
            return connection, tx
        except BaseException:
            self._writer_lock.release()
            raise

    def close_batch(self, connection: Any) -> None:
        connection.close()
        self._writer_lock.release()

    @property
    def writer_busy(self) -> bool:
        """Whether this process's writes are queueing (its `Writer` has a batch open or waiting)."""
        return self._writer.busy

    async def write(self, work: Callable[[SqlTransaction], T]) -> T:
        """Run `work` as one unit of work, in the batch of this process's `Writer`: what
        `transaction` is for threads, for callers on the event loop. Its result (or its error)
        comes once the batch has committed; an `ApiError` that is not `kept` undoes only its unit."""
        return await self._writer.write(work)

    @contextmanager
    def snapshot(self) -> Iterator[SqlTransaction]:
        with self._unit(self._begin_reader) as (connection, tx):
            try:
                yield tx
            finally:
                connection.rollback()  # it wrote nothing

    @contextmanager
    def _unit(self, begin: str | None) -> Iterator[tuple[Any, SqlTransaction]]:
        connection = self._connect()
        try:
            yield connection, SqlTransaction(connection, self.dialect, self._seeds, begin)
        finally:
            connection.close()  # back to the pool

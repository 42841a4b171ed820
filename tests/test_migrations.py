"""Schema migrations: a data dir of the previous schema upgrades in place and keeps its state, a
fresh one is built by the revisions, and the newest revision is exactly the models' schema.

The previous version's data dir comes from tests/fixtures/data-dir-0001 (its DDL as create_all
made it, and the rows of one real checkout flow), never from today's code.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, DateTime, MetaData, String, create_engine, inspect, text

from pancake_mock.adapters import keys, migrations
from pancake_mock.adapters.store import Store, database_url, metadata, sqlite_url
from support import MockServer

FIXTURE = Path(__file__).parent / "fixtures" / "data-dir-0001"
ROWS = json.loads((FIXTURE / "rows.json").read_text())
HEAD = ScriptDirectory.from_config(migrations.config(None)).get_current_head()


def write_previous_version(url: str, part: str, private_keys: dict[str, str]) -> None:
    """Make `part` (the "pancake" store or the "psp" one) of a data dir as the previous version left it."""
    engine = create_engine(database_url(url))
    with engine.begin() as connection:
        dialect = connection.dialect.name
        for statement in (FIXTURE / f"{part}.{dialect}.sql").read_text().split(";"):
            if statement.strip():
                connection.exec_driver_sql(statement)
        tables = MetaData()
        tables.reflect(connection)
        for name, rows in ROWS[part].items():
            if rows:
                table = tables.tables[name]
                connection.execute(table.insert(), [_typed(table, _with_keys(name, row, private_keys)) for row in rows])
        if dialect == "postgresql":  # the rows came with their ids: move each serial past them
            for table in tables.sorted_tables:
                for column in table.primary_key.columns:
                    sequence = connection.execute(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                                  {"table": table.name, "column": column.name}).scalar()
                    if sequence:
                        connection.execute(text(f'SELECT setval(:sequence, max("{column.name}")) FROM "{table.name}"'),
                                           {"sequence": sequence})
    engine.dispose()


def _with_keys(table: str, row: dict, private_keys: dict[str, str]) -> dict:
    """The fixture holds no key material: the keys it needs are made per test."""
    if table == "api_keys":
        return {**row, "public_key_pem": keys.public_pem(private_keys[row["environment"]])}
    if table == "settings" and row["key"] == "devKeys":
        return {**row, "value": private_keys}
    return row


def _typed(table, row: dict) -> dict:
    return {name: datetime.fromisoformat(value) if value is not None and isinstance(table.c[name].type, DateTime)
            else value for name, value in row.items()}


def applied_revisions(url: str) -> list[str]:
    engine = create_engine(database_url(url))
    with engine.connect() as connection:
        revisions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    return revisions


def store_url(backend: str, data_dir: Path, backend_args) -> str:
    arguments = backend_args(backend)
    return arguments[1] if arguments else sqlite_url(str(data_dir / "pancake.sqlite3"))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_data_dir_of_the_previous_schema_upgrades_in_place(tmp_path, backend, backend_args):
    url = store_url(backend, tmp_path, backend_args)
    private_keys = {environment: keys.generate_key_pair()[0] for environment in ("test", "prod")}
    write_previous_version(url, "pancake", private_keys)
    # The previous version kept the PSP in the shared PostgreSQL database, or in a file of its own.
    write_previous_version(url if backend == "postgres" else sqlite_url(str(tmp_path / "psp.sqlite3")), "psp",
                           private_keys)
    [legacy_order] = ROWS["pancake"]["orders"]
    [legacy_idempotency] = ROWS["pancake"]["idempotency_keys"]

    serve_args = ["--database-url", url] if backend == "postgres" else []
    with MockServer.start(tmp_path, *serve_args) as server:
        client = server.client()
        assert server.credentials["merchantId"] == ROWS["pancake"]["merchants"][0]["id"]
        [order] = client.orders()
        assert (order["id"], order["checkoutSessionId"], order["buyerEmail"], order["priceSnapshot"]) == (
            legacy_order["id"], legacy_order["checkout_session_id"], legacy_order["buyer_email"],
            legacy_order["price_snapshot"])
        assert client.session_record(legacy_order["checkout_session_id"])["status"] == "completed"
        # The PSP's records moved into the store, wherever the previous version kept them.
        [call] = client.psp_calls()
        assert (call["checkoutUrl"], call["request"]["orderId"]) == (legacy_order["checkout_url"], legacy_order["id"])
        # A retry of the order acknowledged before the upgrade still gets the same answer, within
        # the key's 24 hours (of business time: the fixture was written on a day now past).
        kept_since = datetime.fromisoformat(legacy_idempotency["created_at"]).replace(tzinfo=timezone.utc)
        client.control("PUT", "/clock", json={"now": (kept_since + timedelta(hours=1)).isoformat()})
        retry = client.create_order({"checkoutSessionId": legacy_order["checkout_session_id"]},
                                    headers={"X-Idempotency-Key": legacy_idempotency["key"]})
        assert (retry.status_code, retry.json()) == (legacy_idempotency["status"], json.loads(legacy_idempotency["body"]))
        # And new flows work on the old data, with the old keys.
        session = client.create_session(buyerEmail="after-upgrade@example.com")
        created = client.create_order({"checkoutSessionId": session,
                                       "billingDetail": {"country": "DE", "isBusiness": False}})
        assert created.status_code == 200, created.text
        assert [o["id"] for o in client.orders()] == [legacy_order["id"], client.orders(session)[0]["id"]]
        assert len(client.psp_calls()) == 2
    assert applied_revisions(url) == [HEAD]


def test_the_head_known_without_alembic_is_alembic_s():
    assert migrations.HEAD == HEAD


def test_a_new_store_is_created_at_the_head(tmp_path):
    """An empty database gets the models' tables at once, stamped as Alembic would stamp them."""
    url = sqlite_url(str(tmp_path / "pancake.sqlite3"))
    store = Store(url)
    store.migrate()
    with store.engine.begin() as connection:
        assert MigrationContext.configure(connection).get_current_heads() == (HEAD,)
        assert model_schema_differences(connection, metadata) == []
    store.engine.dispose()


def model_schema_differences(connection, models: MetaData) -> list:
    return compare_metadata(MigrationContext.configure(connection), models)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_newest_revision_is_the_models_schema(tmp_path, backend, backend_args):
    """`alembic check` in a test: a model change without its revision fails here."""
    store = Store(store_url(backend, tmp_path, backend_args))
    store.migrate()
    with store.engine.begin() as connection:
        assert model_schema_differences(connection, metadata) == []
        # The comparison does see a change: a column the revisions lack.
        changed = MetaData()
        for table in metadata.sorted_tables:
            table.to_metadata(changed)
        changed.tables["orders"].append_column(Column("refund_reason", String))
        assert [difference[0] for difference in model_schema_differences(connection, changed)] == ["add_column"]
        # Every revision also goes down, and up again to the same schema.
        settings = migrations.config(connection)
        command.downgrade(settings, "base")
        assert inspect(connection).get_table_names() == ["alembic_version"]
        command.upgrade(settings, "head")
        assert model_schema_differences(connection, metadata) == []
    store.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_stores_migrating_together_migrate_once(tmp_path, backend, backend_args):
    url = store_url(backend, tmp_path, backend_args)
    stores = [Store(url) for _ in range(4)]
    start, failures = threading.Barrier(len(stores)), []

    def migrate(store: Store) -> None:
        start.wait()
        try:
            store.migrate()
        except Exception as error:  # noqa: BLE001 - collected, then reported by the assertion
            failures.append(error)

    threads = [threading.Thread(target=migrate, args=(store,), daemon=True) for store in stores]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert failures == [] and not any(thread.is_alive() for thread in threads)
    assert applied_revisions(url) == [HEAD]
    for store in stores:
        store.engine.dispose()


def test_a_schema_newer_than_this_version_is_refused_in_one_line(tmp_path):
    url = sqlite_url(str(tmp_path / "pancake.sqlite3"))
    Store(url).migrate()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(RuntimeError) as refused:
        MockServer.launch(tmp_path)
    assert "mock exited with 2" in str(refused.value)
    assert f"revision 9999, which this pancake-mock does not know (its newest is {HEAD})" in str(refused.value)
    assert "Traceback" not in str(refused.value)

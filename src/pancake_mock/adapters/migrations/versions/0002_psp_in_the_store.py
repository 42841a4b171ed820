"""the fake PSP's records in the store, value objects as snake_case JSON, owned idempotency claims

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

- psp_faults, psp_calls and psp_checkouts join the store's database, so an order and its PSP
  checkout commit in one transaction. On PostgreSQL they were already there (made by the old PSP
  adapter in the shared database); on SQLite they lived in psp.sqlite3 beside the store, whose
  rows are copied in. psp_faults.seed becomes a 64-bit integer.
- The JSON value objects (prices, price, billing detail, session options, price snapshot) are
  kept under the domain's snake_case names instead of the wire's camelCase.
- idempotency_keys.owner names the process of an in-flight claim.
- orders_by_creation, orders_by_status, psp_calls_by_outcome: the control plane pages through
  orders by (created_at, id), all or by status, and through PSP calls by id, all or by outcome.
"""

import re
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PSP_TABLES = ("psp_faults", "psp_calls", "psp_checkouts")
# (table, key columns, JSON columns whose object keys are field names; "prices" maps currencies to them)
VALUE_COLUMNS = (
    ("product_versions", ("product_id", "number"), ("prices",)),
    ("checkout_sessions", ("id",), ("price", "billing_detail", "options")),
    ("orders", ("id",), ("billing_detail", "price_snapshot")),
)


# The revision's own renaming rules, not codec's: a revision must not change when the code does.
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _rename(value, names):
    if isinstance(value, dict):
        return {names(key): _rename(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_rename(item, names) for item in value]
    return value


def _convert(column: str, value, names):
    if value is None:
        return None
    if column == "prices":  # keyed by currency code: only the prices inside are renamed
        return {currency: _rename(price, names) for currency, price in value.items()}
    return _rename(value, names)


def _rewrite_values(names) -> None:
    bind = op.get_bind()
    for table_name, keys, columns in VALUE_COLUMNS:
        table = sa.table(table_name, *(sa.column(k) for k in keys), *(sa.column(c, sa.JSON) for c in columns))
        for row in bind.execute(sa.select(table)).mappings().all():
            changed = {c: _convert(c, row[c], names) for c in columns}
            bind.execute(table.update().where(*(table.c[k] == row[k] for k in keys)).values(**changed))


def _create_psp_tables(existing: set[str]) -> None:
    if "psp_faults" not in existing:
        op.create_table(
            "psp_faults",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("fail_next", sa.Integer(), nullable=False),
            sa.Column("fail_probability", sa.Float(), nullable=False),
            sa.Column("seed", sa.BigInteger()),
            sa.Column("latency_ms", sa.Integer(), nullable=False),
            sa.Column("draws", sa.Integer(), nullable=False),
        )
    else:
        with op.batch_alter_table("psp_faults") as batch:
            batch.alter_column("seed", type_=sa.BigInteger(), existing_type=sa.Integer())
    if "psp_calls" not in existing:
        op.create_table(
            "psp_calls",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("at", sa.DateTime(), nullable=False),
            sa.Column("operation", sa.String(), nullable=False),
            sa.Column("request", sa.JSON(), nullable=False),
            sa.Column("outcome", sa.String(), nullable=False),
            sa.Column("reason", sa.String()),
            sa.Column("checkout_url", sa.String()),
        )
    if "psp_checkouts" not in existing:
        op.create_table(
            "psp_checkouts",
            sa.Column("token", sa.String(), primary_key=True),
            sa.Column("payment_id", sa.String(), nullable=False, unique=True),
            sa.Column("request", sa.JSON(), nullable=False),
            sa.Column("status", sa.String(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
        )


def _copy_sqlite_psp_file() -> None:
    """The old SQLite layout kept the PSP in psp.sqlite3 beside the store: bring its rows in."""
    bind = op.get_bind()
    store_file = bind.engine.url.database
    old = Path(store_file).with_name("psp.sqlite3") if store_file else None
    if old is None or not old.is_file():
        return
    source = sqlite3.connect(f"file:{old}?mode=ro", uri=True)
    try:
        present = {row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in PSP_TABLES:
            if table not in present:
                continue
            cursor = source.execute(f"SELECT * FROM {table}")
            names = [column[0] for column in cursor.description]
            rows = [dict(zip(names, row)) for row in cursor]
            if rows:  # the values as stored: JSON and datetimes stay in their SQLite text form
                columns = ", ".join(names)
                bind.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(names))})",
                                     [tuple(row[n] for n in names) for row in rows])
    finally:
        source.close()


def upgrade() -> None:
    bind = op.get_bind()
    _create_psp_tables(set(sa.inspect(bind).get_table_names()))
    if bind.dialect.name == "sqlite":
        _copy_sqlite_psp_file()
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("owner", sa.String()))
    op.create_index("orders_by_creation", "orders", ["created_at", "id"])
    op.create_index("orders_by_status", "orders", ["status", "created_at", "id"])
    op.create_index("psp_calls_by_outcome", "psp_calls", ["outcome", "id"])
    _rewrite_values(_snake)


def downgrade() -> None:
    _rewrite_values(_camel)
    op.drop_index("psp_calls_by_outcome", table_name="psp_calls")
    op.drop_index("orders_by_status", table_name="orders")
    op.drop_index("orders_by_creation", table_name="orders")
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("owner")
    for table in reversed(PSP_TABLES):
        op.drop_table(table)


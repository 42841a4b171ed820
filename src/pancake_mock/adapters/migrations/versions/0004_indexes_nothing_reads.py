"""indexes nothing reads are dropped from the create-order path

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

No query looks up orders by store_id, payments by order_id or PSP checkouts by payment_id, yet
every create-order wrote a page of each of their indexes: three of the seventeen pages its commit
wrote to the WAL, and about 40 µs of the store's 250 µs per order (bench/profile.py). A later
read that needs one gets the index its own query wants.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _psp_checkouts(*constraints: sa.Constraint) -> sa.Table:
    # The table as this revision knows it, for SQLite's copy-and-rename (its UNIQUE has no name).
    return sa.Table(
        "psp_checkouts", sa.MetaData(),
        sa.Column("token", sa.String(), primary_key=True),
        sa.Column("payment_id", sa.String(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        *constraints,
    )


def upgrade() -> None:
    op.drop_index("ix_orders_store_id", table_name="orders")
    op.drop_index("ix_payments_order_id", table_name="payments")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("psp_checkouts", recreate="always", copy_from=_psp_checkouts()):
            pass
    else:
        op.drop_constraint("psp_checkouts_payment_id_key", "psp_checkouts", type_="unique")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("psp_checkouts", recreate="always",
                                  copy_from=_psp_checkouts(sa.UniqueConstraint("payment_id"))):
            pass
    else:
        op.create_unique_constraint("psp_checkouts_payment_id_key", "psp_checkouts", ["payment_id"])
    op.create_index("ix_payments_order_id", "payments", ["order_id"])
    op.create_index("ix_orders_store_id", "orders", ["store_id"])

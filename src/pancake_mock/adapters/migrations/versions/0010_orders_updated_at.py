"""orders keep when their status last changed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

GraphQL's `updatedAt` of an order. Orders written before stay without one (read as their
creation time).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.drop_column("updated_at")

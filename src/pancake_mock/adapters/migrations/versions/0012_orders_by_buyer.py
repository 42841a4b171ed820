"""orders are found by their buyer within a store

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

checkout/preview-trial asks whether a buyer (by token identity or e-mail) already began a
subscription on a product: two lookups, indexed.
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("orders_by_buyer_identity", "orders", ["store_id", "buyer_identity"])
    op.create_index("orders_by_buyer_email", "orders", ["store_id", "buyer_email"])


def downgrade() -> None:
    op.drop_index("orders_by_buyer_email", table_name="orders")
    op.drop_index("orders_by_buyer_identity", table_name="orders")

"""payments by order: an order's payments are read now

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

A declined card leaves a failed payment and the next card makes another, and the control plane
shows an order's payments oldest first: `payments_by_order (order_id, created_at, id)` serves that
read (0004 dropped the plain order_id index when nothing read it).
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("payments_by_order", "payments", ["order_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("payments_by_order", table_name="payments")

"""payments by creation: the control plane lists every payment

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08

`GET /_mock/payments` pages through all payments in creation order, newest first for the
dashboard: `payments_by_creation (created_at, id)` serves it either way, as orders' and
deliveries' indexes serve theirs.
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("payments_by_creation", "payments", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("payments_by_creation", table_name="payments")

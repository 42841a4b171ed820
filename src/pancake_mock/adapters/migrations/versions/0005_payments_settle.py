"""payments settle: the card they were paid with, why they failed, and pending 3-D Secure challenges

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

The fake PSP's payment page settles a payment: `payments` gains the card (brand, last 4, expiry;
never the number), the failure reason of a declined one and when it changed; `psp_checkouts` gains
the 3-D Secure challenge a buyer has yet to answer. Every new column is nullable: rows written
before stay as they were (a pending payment has no card yet).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payments") as payments:
        payments.add_column(sa.Column("card", sa.JSON(), nullable=True))
        payments.add_column(sa.Column("failure_reason", sa.String(), nullable=True))
        payments.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("psp_checkouts") as checkouts:
        checkouts.add_column(sa.Column("challenge", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("psp_checkouts") as checkouts:
        checkouts.drop_column("challenge")
    with op.batch_alter_table("payments") as payments:
        payments.drop_column("updated_at")
        payments.drop_column("failure_reason")
        payments.drop_column("card")

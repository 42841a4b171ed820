"""refund tickets

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

refund-ticket/create-ticket and resubmit-ticket keep a ticket per refund request, found by its
payment (one open or succeeded refund per payment) and paged by store.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refund_tickets",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("payment_id", sa.String(), nullable=False),
        sa.Column("store_id", sa.String(), nullable=False),
        sa.Column("environment", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("submitter_id", sa.String(), nullable=False),
        sa.Column("submitter_type", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("amount", sa.String(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("refund_ticket_merchant_external_id", sa.String(), nullable=True),
        sa.Column("reviewer_id", sa.String(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("review_note", sa.String(), nullable=True),
        sa.Column("reject_reason", sa.String(), nullable=True),
        sa.Column("executed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_refund_tickets_payment_id", "refund_tickets", ["payment_id"])
    op.create_index("refund_tickets_by_store", "refund_tickets", ["store_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("refund_tickets_by_store", table_name="refund_tickets")
    op.drop_index("ix_refund_tickets_payment_id", table_name="refund_tickets")
    op.drop_table("refund_tickets")

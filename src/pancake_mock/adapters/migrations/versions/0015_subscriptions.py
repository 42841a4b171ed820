"""subscriptions through time

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

A paid subscription order's billing: its period, the card renewals charge, and when the business
clock next acts on it (its period's end, or the retry of a failed renewal), and a plan change
waiting for the next period. A refund ticket keeps
the refund it became. A subscription order keeps its trial phase.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("billing_period", sa.String(), nullable=False),
        sa.Column("anchor", sa.DateTime(), nullable=False),
        sa.Column("period_number", sa.Integer(), nullable=False),
        sa.Column("regular_periods", sa.Integer(), nullable=False),
        sa.Column("current_period_start", sa.DateTime(), nullable=False),
        sa.Column("current_period_end", sa.DateTime(), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("due", sa.DateTime(), nullable=True),
        sa.Column("renewal_decline", sa.String(), nullable=True),
        sa.Column("failing_renewals", sa.Integer(), nullable=False),
        sa.Column("retrying", sa.Boolean(), nullable=False),
        sa.Column("canceled_at", sa.DateTime(), nullable=True),
        sa.Column("pending_change", sa.String(), nullable=True),
        sa.Column("pending_price", sa.JSON(), nullable=True),
        sa.Column("credit", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("order_id"),
    )
    op.create_index("subscriptions_by_due", "subscriptions", ["due", "order_id"])
    with op.batch_alter_table("refund_tickets") as tickets:
        tickets.add_column(sa.Column("refund_id", sa.String(), nullable=True))
    with op.batch_alter_table("orders") as orders:
        orders.add_column(sa.Column("special_phase", sa.JSON(), nullable=True))
        orders.add_column(sa.Column("special_phase_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.drop_column("special_phase_days")
        orders.drop_column("special_phase")
    with op.batch_alter_table("refund_tickets") as tickets:
        tickets.drop_column("refund_id")
    op.drop_index("subscriptions_by_due", table_name="subscriptions")
    op.drop_table("subscriptions")

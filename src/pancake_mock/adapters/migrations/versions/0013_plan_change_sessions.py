"""checkout sessions may change a subscription's plan

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

create-session with `originOrderId` opens a plan-change session: the subscription, the timing and
the price of the change are kept with it. Earlier sessions are purchases (NULL).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checkout_sessions") as sessions:
        sessions.add_column(sa.Column("plan_change", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkout_sessions") as sessions:
        sessions.drop_column("plan_change")

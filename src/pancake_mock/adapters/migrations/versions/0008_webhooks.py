"""webhooks: a store's endpoints

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

`store/add-webhook` registers an endpoint (a UUID id, its channel, url, events and environment);
update-webhook changes url, events or secret, remove-webhook deletes it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("store_id", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("test_mode", sa.Boolean(), nullable=False),
        sa.Column("secret", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhooks_store_id", "webhooks", ["store_id"])


def downgrade() -> None:
    op.drop_index("ix_webhooks_store_id", table_name="webhooks")
    op.drop_table("webhooks")

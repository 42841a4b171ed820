"""orders know their buyer: the buyer identity of the token that made them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

cancel-order lets only the order's own buyer cancel it (403 `Order does not belong to user`), so
an order keeps the buyer identity of the session token that made it. Orders made before have none,
and no token's buyer owns them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.add_column(sa.Column("buyer_identity", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.drop_column("buyer_identity")

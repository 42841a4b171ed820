"""id counters in a table of their own

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

The per-prefix id counters move from `settings` rows named `counter:<prefix>` (a JSON value read,
incremented and written back) to `counters`, an integer column one `UPDATE ... RETURNING` draws
from: one statement per id instead of two, on the hot path of every create-order.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PREFIX = "counter:"
# The tables as this revision knows them, not as the code's schema may later have them.
settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.JSON))
counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    bind = op.get_bind()
    moved = bind.execute(sa.select(settings.c.key, settings.c.value).where(settings.c.key.startswith(PREFIX))).all()
    if moved:
        bind.execute(sa.insert(counters), [{"name": key.removeprefix(PREFIX), "value": int(value)} for key, value in moved])
        bind.execute(sa.delete(settings).where(settings.c.key.startswith(PREFIX)))


def downgrade() -> None:
    bind = op.get_bind()
    kept = bind.execute(sa.select(counters.c.name, counters.c.value)).all()
    if kept:
        bind.execute(sa.insert(settings), [{"key": PREFIX + name, "value": value} for name, value in kept])
    op.drop_table("counters")

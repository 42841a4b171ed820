"""Alembic's entry point: runs the revisions on the connection given in config.attributes."""

from alembic import context
from sqlalchemy import TypeDecorator

from pancake_mock.adapters.schema import metadata


def render_item(kind, obj, autogen_context):
    """A store-side type (UtcDateTime, Typed) is written as the column type it stores, so a
    revision never imports the models it must outlive."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    render_as_batch=True,  # SQLite alters a table by copying it: batch operations do that
    render_item=render_item,
)
with context.begin_transaction():  # joins the caller's transaction
    context.run_migrations()

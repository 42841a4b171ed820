"""The store's schema history: Alembic revisions in versions/, applied when the mock starts.

Configured in code (no alembic.ini), and always run on a connection the caller passes in, whose
transaction it joins: at start that is the store's writer transaction, so workers and processes
starting together migrate once, and a failed migration leaves the schema as it was.
Add a revision with `python -m pancake_mock.adapters.migrations revision -m "what changes"`.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

BASELINE = "0001"  # the schema `create_all` made before there were migrations


class SchemaTooNew(Exception):
    """The store was migrated by a newer pancake-mock than this one."""


def config(connection: Connection | None) -> Config:
    settings = Config()
    settings.set_main_option("script_location", "pancake_mock.adapters:migrations")
    settings.attributes["connection"] = connection
    return settings


def upgrade(connection: Connection) -> None:
    """Bring the schema on `connection` to the newest revision, within its open transaction."""
    settings = config(connection)
    script = ScriptDirectory.from_config(settings)
    applied = MigrationContext.configure(connection).get_current_heads()
    unknown = set(applied) - {revision.revision for revision in script.walk_revisions()}
    if unknown:
        raise SchemaTooNew(f"the store's schema is at revision {', '.join(sorted(unknown))}, which this "
                           f"pancake-mock does not know (its newest is {script.get_current_head()}): "
                           "a newer pancake-mock migrated it")
    if not applied and "merchants" in inspect(connection).get_table_names():
        # create_all made every table in one transaction: any one of them means the whole baseline.
        command.stamp(settings, BASELINE)
    command.upgrade(settings, "head")

"""The store's schema history: Alembic revisions in versions/, applied when the mock starts.

Configured in code (no alembic.ini), and always run on a connection the caller passes in, whose
transaction it joins: at start that is the store's writer transaction, so workers and processes
starting together migrate once, and a failed migration leaves the schema as it was.
Add a revision with `python -m pancake_mock.adapters.migrations revision -m "what changes"`.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect, select
from sqlalchemy.engine import Connection

from ..schema import metadata

if t.TYPE_CHECKING:
    from alembic.config import Config

BASELINE = "0001"  # the schema `create_all` made before there were migrations
# The newest revision, by the names the revision command gives the files of versions/ (NNNN_*.py,
# revision id NNNN; a test holds it equal to Alembic's head). A store already there, or an empty
# one, is dealt with without importing Alembic, which costs a start about 140 ms and 15 MB.
HEAD = max(path.name[:4] for path in (Path(__file__).parent / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
# Alembic's own record of the revision a database is at, as Alembic creates it.
VERSIONS = Table("alembic_version", MetaData(), Column("version_num", String(32), nullable=False),
                 PrimaryKeyConstraint("version_num", name="alembic_version_pkc"))


class SchemaTooNew(Exception):
    """The store was migrated by a newer pancake-mock than this one."""


def config(connection: Connection | None) -> Config:
    from alembic.config import Config

    settings = Config()
    settings.set_main_option("script_location", "pancake_mock.adapters:migrations")
    settings.attributes["connection"] = connection
    return settings


def upgrade(connection: Connection) -> None:
    """Bring the schema on `connection` to the newest revision, within its open transaction."""
    tables = inspect(connection).get_table_names()
    if not tables:
        # Alembic's recipe for a new database: the models' tables at once, stamped with the head.
        metadata.create_all(connection)
        VERSIONS.create(connection)
        connection.execute(VERSIONS.insert().values(version_num=HEAD))
        return
    if VERSIONS.name in tables and list(connection.execute(select(VERSIONS.c.version_num)).scalars()) == [HEAD]:
        return
    _run_revisions(connection, tables)


def _run_revisions(connection: Connection, tables: list[str]) -> None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    settings = config(connection)
    script = ScriptDirectory.from_config(settings)
    applied = MigrationContext.configure(connection).get_current_heads()
    unknown = set(applied) - {revision.revision for revision in script.walk_revisions()}
    if unknown:
        raise SchemaTooNew(f"the store's schema is at revision {', '.join(sorted(unknown))}, which this "
                           f"pancake-mock does not know (its newest is {script.get_current_head()}): "
                           "a newer pancake-mock migrated it")
    if not applied and "merchants" in tables:
        # create_all made every table in one transaction: any one of them means the whole baseline.
        command.stamp(settings, BASELINE)
    command.upgrade(settings, "head")

"""Write the next revision of the store's schema into versions/.

    python -m pancake_mock.adapters.migrations revision -m "add refunds" [--empty] [--database-url URL]

It migrates a scratch database to the current head (SQLite in a temporary directory, or the
empty PostgreSQL database given), compares it with the models (store.metadata) and writes
versions/NNNN_<message>.py, numbered after the head, with the operations that close the gap.
Read and edit what it writes: autogenerate sees no renames and moves no data.
"""

from __future__ import annotations

import argparse
import tempfile

from alembic import command
from alembic.script import ScriptDirectory

from ..store import Store, sqlite_url
from . import config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pancake_mock.adapters.migrations",
                                     description="Write the next revision of the store's schema.")
    commands = parser.add_subparsers(dest="command", required=True)
    revision = commands.add_parser("revision", help="write versions/NNNN_<message>.py")
    revision.add_argument("-m", "--message", required=True, help="what the revision changes")
    revision.add_argument("--empty", action="store_true",
                          help="write empty upgrade/downgrade functions (data changes) instead of comparing")
    revision.add_argument("--database-url", help="an empty scratch PostgreSQL database to compare against "
                                                 "(default: SQLite in a temporary directory)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(args.database_url or sqlite_url(f"{scratch}/head.sqlite3"))
        with store.engine.connect() as connection:
            settings = config(connection)
            command.upgrade(settings, "head")  # by the revisions (Store.migrate would create_all)
            connection.commit()
            head = ScriptDirectory.from_config(settings).get_current_head()
            command.revision(settings, message=args.message, autogenerate=not args.empty,  # prints the path
                             rev_id=f"{int(head) + 1:04d}")
        store.engine.dispose()


if __name__ == "__main__":
    main()

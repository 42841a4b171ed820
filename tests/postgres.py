"""A private PostgreSQL cluster for the tests: initdb in a temp dir, on a free loopback port.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

from support import free_port


def _bin_dir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").is_file():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def available() -> bool:
    return _bin_dir() is not None


class Cluster:
    def __init__(self) -> None:
        bin_dir = _bin_dir()
        assert bin_dir is not None, "PostgreSQL server binaries (initdb, pg_ctl) not found"
        self.root = Path(tempfile.mkdtemp(prefix="pancake-pg-"))
        self.port = free_port()
        self._as_server = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_server:
            shutil.chown(self.root, "postgres")
        self._pg_ctl = str(bin_dir / "pg_ctl")
        self._run(str(bin_dir / "initdb"), "-D", str(self.root / "data"), "-A", "trust", "-U", "postgres")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(self._pg_ctl, "-D", str(self.root / "data"), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def _run(self, *command: str) -> None:
        result = subprocess.run([*self._as_server, *command], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")

    def new_database(self) -> str:
        """A fresh empty database; its URL as a user would pass it to --database-url."""
        name = f"mock_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self._run(self._pg_ctl, "-D", str(self.root / "data"), "-m", "fast", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

"""What processes sharing a store coordinate by: who may write now, and who is still alive."""

from __future__ import annotations

import fcntl
import os
import secrets
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url


class WriterLock:
    """Writers queue here before the database's own lock, so a waiter is woken when the writer
    before it is done instead of polling: a thread lock within the process and, for SQLite, whose
    writers all share a host, a `flock` across processes. PostgreSQL's advisory lock already queues."""

    def __init__(self, path: Path | None):
        self._threads = threading.Lock()
        self._file = open(path, "a") if path else None

    @classmethod
    def for_store(cls, url: str) -> WriterLock:
        parsed = make_url(url)
        return cls(Path(f"{parsed.database}.writer") if parsed.get_backend_name() == "sqlite" else None)

    def acquire(self, blocking: bool = True) -> bool:
        if not self._threads.acquire(blocking):
            return False
        if self._file is not None:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._threads.release()
                return False
            except BaseException:
                self._threads.release()
                raise
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()


class Liveness:
    """Which processes are alive, by a lock each holds for its lifetime and the OS or the database
    releases when it dies (`kill -9` included): an in-flight idempotency key names its process."""

    def __init__(self, owner: str, probe: Callable[[str], bool]):
        self.owner = owner
        self._probe = probe

    def alive(self, owner: str | None) -> bool:
        return owner == self.owner or (owner is not None and self._probe(owner))

    @classmethod
    def for_store(cls, url: str, engine: Engine) -> Liveness:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            return cls._file_locks(Path(f"{parsed.database}.owners"))
        return cls._advisory_locks(engine)

    @classmethod
    def _file_locks(cls, folder: Path) -> Liveness:
        # Processes sharing a SQLite file share a host: a flock on a file per process.
        folder.mkdir(parents=True, exist_ok=True)
        owner = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
        # Locked before it gets its name, so no probe ever finds it unlocked while its process lives.
        held = open(folder / f".{owner}", "w")
        fcntl.flock(held, fcntl.LOCK_EX)
        os.rename(folder / f".{owner}", folder / owner)

        def probe(other: str) -> bool:
            path = folder / other
            if "/" in other or other.startswith(".") or not path.exists():
                return False
            with open(path) as probe_file:
                try:
                    fcntl.flock(probe_file, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
            path.unlink(missing_ok=True)  # its process is gone
            return False

        for other in os.listdir(folder):  # forget the processes that died since (probing removes them)
            if other != owner:
                probe(other)
        liveness = cls(owner, probe)
        liveness._held = held  # open for the process's lifetime
        return liveness

    @classmethod
    def _advisory_locks(cls, engine: Engine) -> Liveness:
        # A session-level advisory lock on a connection of its own: PostgreSQL drops it with the connection.
        key = secrets.randbelow(2**62)
        held = engine.connect()
        held.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        held.commit()
        probe_sql = text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
            " AND ((classid::bigint << 32) | objid::bigint) = :key"
        )

        def probe(other: str) -> bool:
            if not other.startswith("pg-") or not other[3:].isdigit():
                return False
            with engine.connect() as connection:
                return bool(connection.execute(probe_sql, {"key": int(other[3:])}).scalar())

        liveness = cls(f"pg-{key}", probe)
        liveness._held = held
        return liveness

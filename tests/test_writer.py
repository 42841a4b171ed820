"""The event loop's writes in batches (adapters/writer.py), on a real SQLite store: requests at
hand share one transaction, each unit undoes only itself, and no caller is left waiting when the
batch cannot open or commit."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from pancake_mock.adapters.store import Store, sqlite_url
from pancake_mock.adapters.writer import Writer
from pancake_mock.domain import errors


class Counted:
    """The store as the Writer sees it, counting batches; `fail_open` makes the next opens fail."""

    def __init__(self, store: Store):
        self.store, self.opened, self.fail_open = store, 0, 0

    async def open_batch(self):
        if self.fail_open:
            self.fail_open -= 1
            raise sqlite3.OperationalError("unable to open database file")
        self.opened += 1
        return await self.store.open_batch()

    def close_batch(self, connection) -> None:
        self.store.close_batch(connection)

    def committed(self, tx) -> None:
        self.store.committed(tx)


@pytest.fixture
def store(tmp_path):
    store = Store(sqlite_url(str(tmp_path / "pancake.sqlite3")))
    store.migrate()
    yield store
    store.engine.dispose()


def setting(store: Store, key: str):
    with store.snapshot() as tx:
        return tx.setting(key)


def put(key: str, value: int):
    return lambda tx: tx.put_setting(key, value)


def test_writes_at_hand_share_one_batch_and_are_all_committed(store):
    batches = Counted(store)
    writer = Writer(batches)

    async def run():
        return await asyncio.gather(*(writer.write(put(f"k{n}", n)) for n in range(20)))

    asyncio.run(run())
    assert batches.opened == 1
    assert [setting(store, f"k{n}") for n in range(20)] == list(range(20))


def test_a_refused_unit_undoes_only_itself_and_a_kept_refusal_keeps_its_changes(store):
    writer = Writer(Counted(store))

    def refused(tx):
        tx.put_setting("refused", 1)
        raise errors.INVALID_FIELD.error(field="x", expected="y")

    def kept(tx):
        tx.put_setting("kept", 1)
        raise errors.PSP_FAILED.error()

    async def run():
        return await asyncio.gather(writer.write(put("before", 1)), writer.write(refused), writer.write(kept),
                                    writer.write(put("after", 1)), return_exceptions=True)

    outcomes = asyncio.run(run())
    assert outcomes[0] is None and outcomes[3] is None
    assert isinstance(outcomes[1], errors.ApiError) and isinstance(outcomes[2], errors.ApiError)
    assert [setting(store, key) for key in ("before", "refused", "kept", "after")] == [1, None, 1, 1]


def test_when_a_batch_cannot_open_every_waiting_write_gets_the_error_and_the_next_ones_work(store):
    batches = Counted(store)
    batches.fail_open = 1
    writer = Writer(batches)

    async def run():
        failed = await asyncio.gather(*(writer.write(put(f"f{n}", n)) for n in range(3)), return_exceptions=True)
        after = await writer.write(put("after", 1))
        return failed, after

    failed, after = asyncio.run(asyncio.wait_for(run(), timeout=10))
    assert all(isinstance(outcome, sqlite3.OperationalError) for outcome in failed)
    assert after is None and setting(store, "after") == 1 and setting(store, "f0") is None


def test_when_the_commit_fails_no_unit_of_the_batch_happened(store, monkeypatch):
    batches = Counted(store)
    writer = Writer(batches)
    opened = batches.open_batch

    async def open_failing_commit():
        connection, tx = await opened()

        class FailingCommit:
            def __getattr__(self, name):
                return getattr(connection, name)

            def commit(self):
                raise sqlite3.OperationalError("disk I/O error")
        return FailingCommit(), tx

    monkeypatch.setattr(batches, "open_batch", open_failing_commit)

    async def run():
        return await asyncio.gather(writer.write(put("a", 1)), writer.write(put("b", 2)), return_exceptions=True)

    outcomes = asyncio.run(asyncio.wait_for(run(), timeout=10))
    assert all(isinstance(outcome, sqlite3.OperationalError) for outcome in outcomes)
    assert setting(store, "a") is None and setting(store, "b") is None


def test_a_read_remembered_in_a_batch_follows_its_units_writes_and_their_undoing(store):
    """Settings are read once per batch (store.SqlTransaction.remembered): each unit must still
    see what the units before it wrote, and not what an undone unit wrote."""
    writer = Writer(Counted(store))

    def read(tx):
        return tx.setting("k")

    def write_then_refuse(tx):
        tx.put_setting("k", 99)
        assert tx.setting("k") == 99
        raise errors.INVALID_FIELD.error(field="x", expected="y")

    async def run():
        return await asyncio.gather(writer.write(read), writer.write(put("k", 1)), writer.write(read),
                                    writer.write(write_then_refuse), writer.write(read), return_exceptions=True)

    outcomes = asyncio.run(run())
    assert [outcomes[0], outcomes[2], outcomes[4]] == [None, 1, 1]
    assert isinstance(outcomes[3], errors.ApiError) and setting(store, "k") == 1

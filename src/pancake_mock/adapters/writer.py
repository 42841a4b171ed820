"""Writes from the event loop, in batches: one write transaction, and one commit, for the units of
work of every request a process has at hand."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ..domain import errors

if TYPE_CHECKING:
    from .store import SqlTransaction

T = TypeVar("T")


class Batches(Protocol):
    """Where a batch's transaction comes from: the store."""

    async def open_batch(self) -> tuple[Any, SqlTransaction]:
        """A driver connection in a write transaction holding the writer lock, and its transaction."""

    def close_batch(self, connection: Any) -> None:
        """Give the connection and the writer lock back."""

    def committed(self, tx: SqlTransaction) -> None:
        """Tell whoever watches what the committed batch wrote."""


class Writer:
    """The one writer of a process on the event loop: units of work queue here and run in batches.

    A batch is one write transaction: each unit runs in a SAVEPOINT of it, and every unit's answer
    waits for the batch's one COMMIT. While a batch waits for the writer lock (another process
    holds it) or runs, the loop goes on reading requests, whose units queue for the next batch:
    a commit and a lock hand-off per batch instead of per request, and the lock is held only
    while a batch runs. Nothing is answered before its commit, so a crash loses only what was
    never acknowledged.
    """

    def __init__(self, batches: Batches):
        self._batches = batches
        self._queue: list[tuple[Callable[[SqlTransaction], Any], asyncio.Future]] = []
        self._draining: asyncio.Task | None = None

    @property
    def busy(self) -> bool:
        """Whether a batch is open or waiting for the writer lock: a unit written now would wait."""
        return self._draining is not None and not self._draining.done()

    async def write(self, work: Callable[[SqlTransaction], T]) -> T:
        loop = asyncio.get_running_loop()
        answer = loop.create_future()
        self._queue.append((work, answer))
        if self._draining is None or self._draining.done():
            self._draining = loop.create_task(self._drain())
        return await asyncio.shield(answer)  # a caller that goes away does not undo its unit

    async def _drain(self) -> None:
        while self._queue:
            try:
                connection, tx = await self._batches.open_batch()
            except BaseException as error:  # no transaction (the database is gone, or the loop stops)
                self._fail(self._take(), error)
                if not isinstance(error, Exception):
                    raise
                continue
            batch = self._take()
            try:
                outcomes = [self._run(tx, work) for work, _answer in batch]
                connection.commit()
            except BaseException as error:  # the batch did not commit: none of its units happened
                connection.rollback()
                self._fail(batch, error)
                if not isinstance(error, Exception):
                    raise
                continue
            finally:
                self._batches.close_batch(connection)
            self._batches.committed(tx)
            self._answer(batch, outcomes)

    def _take(self) -> list[tuple[Any, asyncio.Future]]:
        batch, self._queue = self._queue, []
        return batch

    @classmethod
    def _fail(cls, batch: list[tuple[Any, asyncio.Future]], error: BaseException) -> None:
        failure = error if isinstance(error, Exception) else RuntimeError("the mock is stopping")
        cls._answer(batch, [(None, failure)] * len(batch))

    @staticmethod
    def _answer(batch: list[tuple[Any, asyncio.Future]], outcomes: list[tuple[Any, Exception | None]]) -> None:
        for (_work, answer), (result, error) in zip(batch, outcomes):
            if not answer.cancelled():
                answer.set_result(result) if error is None else answer.set_exception(error)

    @staticmethod
    def _run(tx: SqlTransaction, work: Callable[[SqlTransaction], Any]) -> tuple[Any, Exception | None]:
        tx.begin_unit()
        try:
            result = work(tx)
        except Exception as error:
            if not (isinstance(error, errors.ApiError) and error.kept):
                tx.undo_unit()
            tx.end_unit()
            return None, error
        tx.end_unit()
        return result, None

"""Each worker's ticker: business time also passes on its own, and what it reaches (a renewal, a
refund's minute) happens without a clock move. Every second a read asks whether anything is due;
only then does a write catch up, so an idle mock writes nothing. Workers racing to the same step
are serialized by the store's writer lock, and a step taken is no longer due."""

from __future__ import annotations

import asyncio
import logging

from ..domain import lifecycle
from .clock import BusinessClock
from .store import Store

LOOK_EVERY = 1.0  # seconds

log = logging.getLogger("pancake_mock.lifecycle")


class Ticker:
    def __init__(self, store: Store, clock: BusinessClock):
        self.store = store
        self.clock = clock
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(LOOK_EVERY)
            try:
                with self.store.snapshot() as tx:
                    due = lifecycle.anything_due(tx, self.clock.now(tx))
                if due:
                    await self.store.write(lambda tx: lifecycle.catch_up(tx, self.clock.now(tx)))
            except Exception:  # the store is away for a moment (a reset, a restart of PostgreSQL): look again
                log.exception("could not catch up with business time")

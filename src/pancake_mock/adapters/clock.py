"""The injected clocks. Nothing else calls datetime.now().

`SystemClock` is wall time. `ShiftedClock` is wall time plus an offset kept in the store, so every
worker shares one simulated "now" that tests move through the control plane (session and token
expiry, rates as of a date). It reads the offset over connections of its own: asking the time
inside a transaction never borrows from, or waits on, the store's pool.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert, select

from .store import Store, make_engine, settings

OFFSET_KEY = "clockOffsetSeconds"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ShiftedClock:
    def __init__(self, url: str, wall: SystemClock | None = None):
        self._engine = make_engine(url, Store.WRITER_LOCK)
        self._writer = self._engine.execution_options(immediate=True)
        self.wall = wall or SystemClock()

    def now(self) -> datetime:
        return self.wall.now() + timedelta(seconds=self.offset())

    def offset(self) -> float:
        with self._engine.connect() as connection:
            value = connection.execute(select(settings.c.value).where(settings.c.key == OFFSET_KEY)).scalar()
        return float(value or 0)

    def travel_to(self, moment: datetime) -> None:
        self.set_offset((moment - self.wall.now()).total_seconds())

    def set_offset(self, seconds: float) -> None:
        with self._writer.begin() as connection:
            connection.execute(delete(settings).where(settings.c.key == OFFSET_KEY))
            if seconds:
                connection.execute(insert(settings).values(key=OFFSET_KEY, value=seconds))

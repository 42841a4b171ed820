"""The injected clocks. Nothing else calls datetime.now().

`SystemClock` is wall time. `BusinessClock` is wall time plus an offset kept in the store, so every
worker shares one simulated "now" that tests move through the control plane (session and token
expiry, rates as of a date). A request reads it once, in its own transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .store import SqlTransaction

OFFSET_KEY = "clockOffsetSeconds"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class BusinessClock:
    def __init__(self, wall: SystemClock | None = None):
        self.wall = wall or SystemClock()

    def now(self, tx: SqlTransaction) -> datetime:
        return self.wall.now() + timedelta(seconds=self.offset(tx))

    @staticmethod
    def offset(tx: SqlTransaction) -> float:
        return float(tx.setting(OFFSET_KEY, 0))

    def travel_to(self, tx: SqlTransaction, moment: datetime) -> None:
        tx.put_setting(OFFSET_KEY, (moment - self.wall.now()).total_seconds())

    def advance(self, tx: SqlTransaction, seconds: float) -> None:
        tx.put_setting(OFFSET_KEY, self.offset(tx) + seconds)  # exact: no wall-time drift between reads

    @staticmethod
    def back_to_wall_time(tx: SqlTransaction) -> None:
        tx.put_setting(OFFSET_KEY, 0)

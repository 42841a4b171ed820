"""The injected clock. Tests and time travel swap it; nothing else calls datetime.now()."""

from __future__ import annotations

from datetime import datetime, timezone


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

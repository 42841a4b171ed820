"""X-Idempotency-Key as the gateway applies it to writes.

The first request with a key runs; a 2xx answer is kept for 24 hours and replayed for the same
key without running again; the same key while the first is still running gets 409; any other
answer frees the key. Keys belong to one caller and one path.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from . import errors
from .model import IdempotencyRecord
from .ports import Transaction

KEY = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
KEEP = timedelta(hours=24)
# A request still "in flight" after this long belongs to a worker that died: the key is free again.
ABANDONED = timedelta(minutes=5)


def check_key(key: str) -> None:
    if not KEY.match(key):
        raise errors.INVALID_IDEMPOTENCY_KEY.error()


def claim(tx: Transaction, scope: str, key: str, now: datetime) -> IdempotencyRecord | None:
    """The completed record to replay, or None once the key is claimed for this request."""
    record = tx.get(IdempotencyRecord, (scope, key))
    if record is not None:
        limit = KEEP if record.state == "completed" else ABANDONED
        if record.created_at + limit > now:
            if record.state == "completed":
                return record
            raise errors.IDEMPOTENCY_IN_FLIGHT.error()
        tx.delete(record)
        tx.flush()
    tx.add(IdempotencyRecord(scope=scope, key=key, state="in_flight", created_at=now))
    return None


def settle(tx: Transaction, scope: str, key: str, status: int, body: str) -> None:
    """Keep a 2xx for replay; free the key after anything else."""
    record = tx.get(IdempotencyRecord, (scope, key))
    if record is None:
        return
    if 200 <= status < 300:
        record.state, record.status, record.body = "completed", status, body
    else:
        tx.delete(record)

"""X-Idempotency-Key as the gateway applies it to writes.

The first request with a key runs; a 2xx answer is kept for 24 hours and replayed for the same
key without running again; the same key while the first is still running gets 409; any other
answer frees the key. Keys belong to one caller and one path.

A claim names the process that runs it. The kept answer is written in the same transaction as
the change it reports, so a crash keeps both or neither; a claim whose process is gone is free.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from . import errors
from .model import IdempotencyRecord
from .ports import Transaction

KEY = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
KEEP = timedelta(hours=24)


def check_key(key: str) -> None:
    if not KEY.match(key):
        raise errors.INVALID_IDEMPOTENCY_KEY.error()


def claim(tx: Transaction, scope: str, key: str, now: datetime, owner: str,
          alive: Callable[[str], bool]) -> IdempotencyRecord | None:
    """The completed record to replay, or None once the key is claimed for this request."""
    record = tx.get(IdempotencyRecord, (scope, key))
    if record is not None:
        if record.state == "completed" and record.created_at + KEEP > now:
            return record
        if record.state == "in_flight" and alive(record.owner):
            raise errors.IDEMPOTENCY_IN_FLIGHT.error()
        tx.delete(record)
    tx.add(IdempotencyRecord(scope=scope, key=key, state="in_flight", created_at=now, owner=owner))
    return None


def keep(tx: Transaction, scope: str, key: str, status: int, body: str) -> None:
    """Record the 2xx answer, in the transaction of the change it reports."""
    record = tx.get(IdempotencyRecord, (scope, key))
    record.state, record.status, record.body, record.owner = "completed", status, body, None
    tx.save(record, "state", "status", "body", "owner")


def release(tx: Transaction, scope: str, key: str, owner: str) -> None:
    """Free the key after any other answer (if this request still holds it)."""
    record = tx.get(IdempotencyRecord, (scope, key))
    if record is not None and record.state == "in_flight" and record.owner == owner:
        tx.delete(record)

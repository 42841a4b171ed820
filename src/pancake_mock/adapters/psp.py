"""A fake payment service provider with its own store, fault plan and call journal.

It is a separate system from the mock's API state (its own database file), as a real PSP is:
a call it journals survives the rollback of the order that made it, and an order transaction
holding the API store's write lock never waits on the PSP's.
"""

from __future__ import annotations

import random
import re
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import JSON, Column, Float, Integer, MetaData, String, Table, insert, select, update

from ..domain.ports import Clock, PspCheckoutRequest, PspUnavailable
from . import kill_switch
from .store import UtcDateTime, make_engine

psp_metadata = MetaData()
faults = Table(
    "psp_faults",
    psp_metadata,
    Column("id", Integer, primary_key=True),
    Column("fail_next", Integer, nullable=False),
    Column("fail_probability", Float, nullable=False),
    Column("seed", Integer),
    Column("latency_ms", Integer, nullable=False),
    Column("draws", Integer, nullable=False),  # probability draws made under this plan
)
calls = Table(
    "psp_calls",
    psp_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("operation", String, nullable=False),
    Column("request", JSON, nullable=False),
    Column("outcome", String, nullable=False),
    Column("reason", String),
    Column("checkout_url", String),
)
checkouts = Table(
    "psp_checkouts",
    psp_metadata,
    Column("token", String, primary_key=True),
    Column("payment_id", String, nullable=False, unique=True),
    Column("request", JSON, nullable=False),
    Column("status", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)


@dataclass(frozen=True)
class FaultPlan:
    failNext: int = 0
    failProbability: float = 0.0
    seed: int | None = None
    latencyMs: int = 0


class FakePsp:
    WRITER_LOCK = 0x70737020  # "psp ": its own lock, so an order transaction never waits on itself

    def __init__(self, url: str, clock: Clock, base_url: str):
        self._engine = make_engine(url, self.WRITER_LOCK)
        self._writer = self._engine.execution_options(immediate=True)
        self._clock = clock
        self.base_url = base_url.rstrip("/")

    def create_schema(self) -> None:
        with self._writer.begin() as connection:
            psp_metadata.create_all(connection)

    def reset(self) -> None:
        with self._writer.begin() as conn:
            for table in (faults, calls, checkouts):
                conn.execute(table.delete())

    def faults(self) -> FaultPlan:
        with self._engine.begin() as conn:
            row = conn.execute(select(faults)).first()
        if row is None:
            return FaultPlan()
        return FaultPlan(row.fail_next, row.fail_probability, row.seed, row.latency_ms)

    def set_faults(self, plan: FaultPlan) -> FaultPlan:
        with self._writer.begin() as conn:
            conn.execute(faults.delete())
            conn.execute(
                insert(faults).values(
                    id=1,
                    fail_next=plan.failNext,
                    fail_probability=plan.failProbability,
                    seed=plan.seed,
                    latency_ms=plan.latencyMs,
                    draws=0,
                )
            )
        return plan

    def journal(self) -> list[dict[str, Any]]:
        with self._engine.begin() as conn:
            rows = conn.execute(select(calls).order_by(calls.c.id)).all()
        return [
            {
                "id": row.id,
                "at": row.at,
                "operation": row.operation,
                "request": row.request,
                "outcome": row.outcome,
                "reason": row.reason,
                "checkoutUrl": row.checkout_url,
            }
            for row in rows
        ]

    def delay(self) -> None:
        """Wait out the injected latency. Callers do this before their transaction opens, so a
        slow PSP delays its caller without holding the store's write lock against everyone else."""
        latency = self.faults().latencyMs
        if latency:
            time.sleep(latency / 1000)

    def create_checkout(self, request: PspCheckoutRequest) -> str:
        # Journaled as the JSON a PSP API would receive.
        sent = {re.sub(r"_(\w)", lambda m: m.group(1).upper(), key): value for key, value in asdict(request).items()}
        with self._writer.begin() as conn:
            reason = self._draw_failure(conn)
            url = None
            if reason is None:
                token = secrets.token_urlsafe(18)
                url = f"{self.base_url}/psp/checkout/{token}"
                conn.execute(
                    insert(checkouts).values(
                        token=token,
                        payment_id=request.payment_id,
                        request=sent,
                        status="open",
                        created_at=self._clock.now(),
                    )
                )
            conn.execute(
                insert(calls).values(
                    at=self._clock.now(),
                    operation="create_checkout",
                    request=sent,
                    outcome="failed" if reason else "succeeded",
                    reason=reason,
                    checkout_url=url,
                )
            )
        if reason is not None:
            raise PspUnavailable(reason)
        kill_switch.reached("create-order:before-commit")
        return url

    @staticmethod
    def _draw_failure(conn) -> str | None:
        row = conn.execute(select(faults)).first()
        if row is None:
            return None
        if row.fail_next > 0:
            conn.execute(update(faults).values(fail_next=row.fail_next - 1))
            return "failNext"
        if row.fail_probability > 0:
            draw = row.draws + 1
            conn.execute(update(faults).values(draws=draw))
            # The n-th draw of a plan depends only on (seed, n): every worker agrees on it.
            if random.Random(f"{row.seed}:{draw}").random() < row.fail_probability:
                return "failProbability"
        return None

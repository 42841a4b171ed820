"""A fake payment service provider: hosted checkouts, a fault plan and a journal of calls.

Its records live in the mock's database and are written in the caller's transaction, like an
outbox: an order and its PSP checkout commit together or not at all, so a crash can neither leave
a checkout without its order nor an order without its checkout. A declined call is kept (the
caller's transaction commits the journal entry and the fault plan's progress, and nothing else).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from .. import codec
from ..domain.commands import SetPspFaults
from ..domain.ports import PspCheckoutRequest
from .schema import psp_calls, psp_checkouts, psp_faults
from .store import SqlTransaction, after_key


class FakePsp:
    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")

    def latency(self, tx: SqlTransaction) -> float:
        """How long a call takes now, in seconds: the injected latency. The caller waits it out
        before the transaction that makes the call, so a slow PSP delays its caller (whose
        idempotency key is in flight meanwhile) without holding the writer lock against everyone."""
        return self.faults(tx).latency_ms / 1000

    def faults(self, tx: SqlTransaction) -> SetPspFaults:
        row = tx.session.execute(select(psp_faults)).first()
        if row is None:
            return SetPspFaults()
        return SetPspFaults(row.fail_next, row.fail_probability, row.seed, row.latency_ms)

    def set_faults(self, tx: SqlTransaction, plan: SetPspFaults) -> SetPspFaults:
        tx.session.execute(delete(psp_faults))
        tx.session.execute(insert(psp_faults).values(id=1, draws=0, **asdict(plan)))
        return plan

    def journal(self, tx: SqlTransaction, limit: int, after: int | None, outcome: str | None) -> list[dict[str, Any]]:
        """Up to `limit` + 1 calls, oldest first, after call number `after`."""
        query = select(psp_calls)
        if after is not None:
            query = query.where(after_key([psp_calls.c.id], (after,)))
        if outcome is not None:
            query = query.where(psp_calls.c.outcome == outcome)
        rows = tx.session.execute(query.order_by(psp_calls.c.id).limit(limit + 1)).all()
        return [row._asdict() for row in rows]

    def create_checkout(self, tx: SqlTransaction, request: PspCheckoutRequest, now: datetime) -> str | None:
        sent = codec.dump(request)  # journaled as the JSON a PSP API would receive
        plan = tx.session.execute(select(psp_faults)).first()
        reason = self._draw_failure(tx, plan)
        url = None
        if reason is None:
            token = secrets.token_urlsafe(18)
            url = f"{self.base_url}/psp/checkout/{token}"
            tx.session.execute(insert(psp_checkouts).values(
                token=token, payment_id=request.payment_id, request=sent, status="open", created_at=now))
        tx.session.execute(insert(psp_calls).values(
            at=now, operation="create_checkout", request=sent, outcome="failed" if reason else "succeeded",
            reason=reason, checkout_url=url))
        return url

    @staticmethod
    def _draw_failure(tx: SqlTransaction, plan: Any) -> str | None:
        if plan is None:
            return None
        if plan.fail_next > 0:
            tx.session.execute(update(psp_faults).values(fail_next=plan.fail_next - 1))
            return "failNext"
        if plan.fail_probability > 0:
            draw = plan.draws + 1
            tx.session.execute(update(psp_faults).values(draws=draw))
            # The n-th draw of a plan depends only on (seed, n): every worker agrees on it.
            if random.Random(f"{plan.seed}:{draw}").random() < plan.fail_probability:
                return "failProbability"
        return None

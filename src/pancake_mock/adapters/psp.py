"""A fake payment service provider: hosted checkouts, a fault plan and a journal of calls.

Its records live in the mock's database and are written in the caller's transaction, like an
outbox: an order and its PSP checkout commit together or not at all, so a crash can neither leave
a checkout without its order nor an order without its checkout. A declined call is kept (the
caller's transaction commits the journal entry and the fault plan's progress, and nothing else).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import asdict, fields
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit
from typing import Any

from sqlalchemy import Integer, bindparam, delete, insert, select, update

from .. import codec
from ..domain.commands import SetPspFaults
from ..domain.model import CardInfo, Order
from ..domain.ports import PspCheckout, PspCheckoutRequest
from .schema import psp_calls, psp_checkouts, psp_faults
from .sql import Statement
from .store import SqlTransaction, after_key, storable_text


def _binds(table: Any, names: list[str]) -> dict:
    return {table.c[name]: bindparam(name, type_=table.c[name].type) for name in names}


CHECKOUT_PATH = "/psp/checkout/"  # + token: the payment page (openapi/pages.yaml)
PLAN_FIELDS = [field.name for field in fields(SetPspFaults)]
PLAN = Statement(select(*(psp_faults.c[name] for name in PLAN_FIELDS), psp_faults.c.draws))  # the plan, then its draws
CLEAR_PLAN = Statement(delete(psp_faults))
SET_PLAN = Statement(insert(psp_faults).values(id=1, draws=0, **{name: bindparam(name, type_=psp_faults.c[name].type)
                                                                 for name in PLAN_FIELDS}))
FAIL_NEXT_DRAWN = Statement(update(psp_faults).values(fail_next=psp_faults.c.fail_next - 1))
PROBABILITY_DRAWN = Statement(update(psp_faults).values(draws=bindparam("draws", type_=Integer())))
OPEN_CHECKOUT = Statement(insert(psp_checkouts).values(
    _binds(psp_checkouts, ["token", "payment_id", "request", "status", "created_at"])))
CHECKOUT = Statement(select(psp_checkouts.c.payment_id, psp_checkouts.c.request, psp_checkouts.c.status,
                            psp_checkouts.c.created_at, psp_checkouts.c.challenge)
                     .where(psp_checkouts.c.token == bindparam("token", type_=psp_checkouts.c.token.type)))
UPDATE_CHECKOUT = Statement(update(psp_checkouts)
                            .where(psp_checkouts.c.token == bindparam("token", type_=psp_checkouts.c.token.type))
                            .values(_binds(psp_checkouts, ["status", "challenge"])))
JOURNAL_CALL = Statement(insert(psp_calls).values(
    _binds(psp_calls, ["at", "operation", "request", "outcome", "reason", "checkout_url"])))
CALL_FIELDS = [column.key for column in psp_calls.columns]


@cache
def _journal(after: bool, outcome: bool) -> Statement:
    query = select(psp_calls)
    if after:
        query = query.where(after_key([psp_calls.c.id], [bindparam("after", type_=Integer())]))
    if outcome:
        query = query.where(psp_calls.c.outcome == bindparam("outcome", type_=psp_calls.c.outcome.type))
    return Statement(query.order_by(psp_calls.c.id).limit(bindparam("limit", type_=Integer())))


def _plan(tx: SqlTransaction) -> list[tuple]:
    """The fault plan's row, if any: read once per transaction (a batch's every order asks for it twice)."""
    return tx.remembered(PLAN, lambda: tx.rows(PLAN))


class FakePsp:
    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")

    @staticmethod
    def latency(tx: SqlTransaction) -> float:
        """How long a call takes now, in seconds: the injected latency. The caller waits it out
        before the transaction that makes the call, so a slow PSP delays its caller (whose
        idempotency key is in flight meanwhile) without holding the writer lock against everyone."""
        return FakePsp.faults(tx).latency_ms / 1000

    @staticmethod
    def faults(tx: SqlTransaction) -> SetPspFaults:
        found = _plan(tx)
        return SetPspFaults(*found[0][:-1]) if found else SetPspFaults()

    def set_faults(self, tx: SqlTransaction, plan: SetPspFaults) -> SetPspFaults:
        tx.forget(PLAN)
        tx.execute(CLEAR_PLAN)
        tx.execute(SET_PLAN, asdict(plan))
        return plan

    def journal(self, tx: SqlTransaction, limit: int, after: int | None, outcome: str | None) -> list[dict[str, Any]]:
        """Up to `limit` + 1 calls, oldest first, after call number `after`."""
        found = tx.rows(_journal(after is not None, outcome is not None),
                        {"after": after, "outcome": outcome, "limit": limit + 1})
        return [dict(zip(CALL_FIELDS, row)) for row in found]

    def create_checkout(self, tx: SqlTransaction, request: PspCheckoutRequest, now: datetime) -> str | None:
        sent = codec.dump(request)  # journaled as the JSON a PSP API would receive
        reason = self._draw_failure(tx)
        url = None
        if reason is None:
            token = secrets.token_urlsafe(18)
            url = f"{self.base_url}{CHECKOUT_PATH}{token}"
            tx.execute(OPEN_CHECKOUT, {"token": token, "payment_id": request.payment_id, "request": sent,
                                       "status": "open", "created_at": now})
        tx.execute(JOURNAL_CALL, {"at": now, "operation": "create_checkout", "request": sent,
                                  "outcome": "failed" if reason else "succeeded", "reason": reason,
                                  "checkout_url": url})
        return url

    def checkout(self, tx: SqlTransaction, token: str) -> PspCheckout | None:
        found = tx.rows(CHECKOUT, {"token": token}) if storable_text(token) else []
        if not found:
            return None
        payment_id, request, status, created_at, challenge = found[0]
        return PspCheckout(token=token, payment_id=payment_id, order_id=request["orderId"], status=status,
                           created_at=created_at, challenge=challenge)

    def checkout_of(self, tx: SqlTransaction, order: Order) -> PspCheckout | None:
        # By the URL's path, after its world's prefix (a tenant's /t/{id}): the mock may since have
        # moved to another port.
        _prefix, found, token = urlsplit(order.checkout_url or "").path.partition(CHECKOUT_PATH)
        return self.checkout(tx, token) if found else None

    def update_checkout(self, tx: SqlTransaction, checkout: PspCheckout) -> None:
        tx.execute(UPDATE_CHECKOUT, {"token": checkout.token, "status": checkout.status,
                                     "challenge": checkout.challenge})

    def journal_charge(self, tx: SqlTransaction, checkout: PspCheckout, card: CardInfo, reason: str | None,
                       now: datetime) -> None:
        tx.execute(JOURNAL_CALL, {"at": now, "operation": "charge",
                                  "request": {"token": checkout.token, "card": codec.dump(card)},
                                  "outcome": "failed" if reason else "succeeded", "reason": reason,
                                  "checkout_url": f"{self.base_url}{CHECKOUT_PATH}{checkout.token}"})

    @staticmethod
    def _draw_failure(tx: SqlTransaction) -> str | None:
        found = _plan(tx)
        if not found:
            return None
        fail_next, fail_probability, seed, _latency, draws = found[0]
        if fail_next > 0:
            tx.forget(PLAN)
            tx.execute(FAIL_NEXT_DRAWN)
            return "failNext"
        if fail_probability > 0:
            draw = draws + 1
            tx.forget(PLAN)
            tx.execute(PROBABILITY_DRAWN, {"draws": draw})
            # The n-th draw of a plan depends only on (seed, n): every worker agrees on it.
            if random.Random(f"{seed}:{draw}").random() < fail_probability:
                return "failProbability"
        return None

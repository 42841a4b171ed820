"""A failing PSP rolls the order back; the retry succeeds; the journal keeps every attempt."""

from __future__ import annotations

import threading
import time

from support import error_of

US_NY = {"country": "US", "isBusiness": False, "state": "NY"}


def _body(session: str) -> dict:
    return {"checkoutSessionId": session, "buyerEmail": "Retry@Example.com", "billingDetail": US_NY}


def test_failure_rolls_back_and_retry_succeeds(api):
    session = api.create_session()
    api.psp_faults({"failNext": 2})
    token = api.issue_token()
    for _ in range(2):
        assert error_of(api.create_order(_body(session), token)) == (500, "Internal server error")
        assert api.orders(session) == []
        record = api.session_record(session)
        assert record["status"] == "open" and record["buyerEmail"] is None
    response = api.create_order(_body(session), token)
    assert response.status_code == 200, response.text
    [order] = api.orders(session)
    calls = api.psp_calls()
    assert [c["outcome"] for c in calls] == ["failed", "failed", "succeeded"]
    assert [c["reason"] for c in calls] == ["failNext", "failNext", None]
    # The rolled-back attempts reused nothing that leaked: the order is the one the PSP accepted.
    assert calls[-1]["request"]["orderId"] == order["id"]
    assert api.psp_faults(None) == {"failNext": 0, "failProbability": 0.0, "seed": None, "latencyMs": 0}


def test_seeded_probability_is_reproducible(api):
    def outcomes() -> list[str]:
        api.reset()
        api.psp_faults({"failProbability": 0.5, "seed": 7})
        token = api.issue_token()
        results = []
        for _ in range(12):
            session = api.create_session()
            results.append(api.create_order(_body(session), token).status_code)
        return results

    first, second = outcomes(), outcomes()
    assert first == second
    assert set(first) == {200, 500}
    assert len(api.orders()) == first.count(200)


def test_latency_is_injected(api):
    api.psp_faults({"latencyMs": 400})
    session = api.create_session()
    started = time.monotonic()
    assert api.create_order(_body(session)).status_code == 200
    assert time.monotonic() - started >= 0.4


def test_invalid_fault_plans_are_400(api):
    for plan in ({}, {"failProbability": 2}, {"failNext": -1}, {"latencyMs": "slow"}, {"explode": True}):
        response = api.send("PUT", "/_mock/psp/faults", json=plan)
        assert error_of(response)[0] == 400, plan


def test_reset_clears_faults_and_journal(api):
    api.psp_faults({"failNext": 5})
    session = api.create_session()
    api.create_order(_body(session))
    api.reset()
    assert api.psp_calls() == []
    assert api.psp_faults(None)["failNext"] == 0


def test_a_slow_psp_does_not_block_other_callers(api):
    api.psp_faults({"latencyMs": 2000})
    session = api.create_session()
    slow = threading.Thread(target=lambda: api.create_order(_body(session)))
    slow.start()
    time.sleep(0.3)
    started = time.monotonic()
    assert api.create_session()  # a write while the PSP call is still pending
    assert time.monotonic() - started < 1.0
    slow.join()

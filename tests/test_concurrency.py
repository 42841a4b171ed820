"""Racing create-order calls on one session yield exactly one order, with several workers too."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

from pancake_mock.adapters.locks import WriterLock
from pancake_mock.adapters.store import sqlite_url
from pancake_mock.verify.client import CREATE_SESSION
from support import MockServer, error_of

RACERS = 16
US_WA = {"country": "US", "isBusiness": False, "state": "WA"}


def _race(client, session: str) -> list:
    tokens = [client.issue_token() for _ in range(RACERS)]
    body = {"checkoutSessionId": session, "buyerEmail": "race@example.com", "billingDetail": US_WA}
    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(lambda token: client.create_order(body, token), tokens))


def _assert_one_winner(client, session: str, responses: list) -> None:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (RACERS - 1), statuses
    for response in responses:
        if response.status_code == 409:
            assert error_of(response) == (409, "Checkout session invalid, please re-enter checkout")
    assert len(client.orders(session)) == 1
    assert [c["outcome"] for c in client.psp_calls()] == ["succeeded"]


def test_one_order_per_session(api):
    session = api.create_session()
    _assert_one_winner(api, session, _race(api, session))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def two_workers(request, tmp_path_factory, backend_args):
    data_dir = tmp_path_factory.mktemp(f"workers-{request.param}")
    with MockServer.start(data_dir, "--workers", "2", *backend_args(request.param)) as server:
        yield server


def test_one_order_per_session_across_worker_processes(two_workers):
    client = two_workers.client()
    client.reset()
    for _ in range(3):
        session = client.create_session()
        responses = _race(client, session)
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [409] * (RACERS - 1), statuses
    assert len(client.orders()) == 3


def test_session_chains_survive_worker_hopping(two_workers):
    # Tokens, sessions and orders live in the shared store, not in one worker's memory.
    client = two_workers.client()
    client.reset()
    for _ in range(20):
        session = client.create_session()
        response = client.create_order({"checkoutSessionId": session, "buyerEmail": "w@example.com", "billingDetail": US_WA})
        assert response.status_code == 200, response.text
    assert len(client.orders()) == 20


@contextmanager
def writer_held(data_dir):
    """Another mock process writing to the SQLite store meanwhile: it holds the writer lock."""
    lock = WriterLock.for_store(sqlite_url(str(data_dir / "pancake.sqlite3")))
    lock.acquire()
    other = sqlite3.connect(data_dir / "pancake.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("COMMIT")
        other.close()
        lock.release()


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    with MockServer.start(tmp_path_factory.mktemp("writer-held")) as server:
        yield server


def _pending(pool, calls) -> list:
    """Submit the calls and give the mock time to read them all and make their snapshots."""
    futures = [pool.submit(call) for call in calls]
    time.sleep(1)
    assert not any(future.done() for future in futures)
    return futures


def test_a_bad_signature_is_refused_while_another_process_holds_the_writer(sqlite_server):
    """A merchant signature is checked before the request's write waits for the store's writer:
    a forged call gets its 401 at once, and a good one is served once the writer lets go."""
    client = sqlite_server.client()
    client.reset()
    body = {"productId": client.product()["id"], "currency": "USD"}
    with ThreadPoolExecutor(1) as pool:
        with writer_held(sqlite_server.data_dir):
            waiting = _pending(pool, [lambda: client.signed(CREATE_SESSION, body)])[0]
            started = time.monotonic()
            forged = client.signed(CREATE_SESSION, body, headers={"X-Signature": "AAAA"})
            assert error_of(forged) == (401, "Invalid signature") and time.monotonic() - started < 2
        assert waiting.result(timeout=30).status_code == 200


def test_racers_read_ahead_while_the_writer_is_busy_and_still_one_wins(sqlite_server):
    """Every racer's token and session are read on a snapshot before its write, while another
    process holds the writer, so all see an unused token and an open session; their writes then
    run one after the other, and only the first may order."""
    client = sqlite_server.client()
    client.reset()
    order = {"buyerEmail": "race@example.com", "billingDetail": US_WA}
    session = client.create_session()
    tokens = [client.issue_token() for _ in range(RACERS)]
    shopper = client.issue_token(role="shopper")
    others = [client.create_session() for _ in range(RACERS)]
    with ThreadPoolExecutor(2 * RACERS) as pool:
        with writer_held(sqlite_server.data_dir):
            one_session = _pending(pool, [lambda token=token: client.create_order(
                {"checkoutSessionId": session, **order}, token) for token in tokens])
            one_token = _pending(pool, [lambda other=other: client.create_order(
                {"checkoutSessionId": other, **order}, shopper) for other in others])
        by_session = sorted(future.result(timeout=30).status_code for future in one_session)
        by_token = sorted(future.result(timeout=30).status_code for future in one_token)
    assert by_session == [200] + [409] * (RACERS - 1), by_session
    assert by_token == [200] + [401] * (RACERS - 1), by_token
    assert len(client.orders(session)) == 1 and len(client.orders()) == 2
    assert [c["outcome"] for c in client.psp_calls()] == ["succeeded"] * 2

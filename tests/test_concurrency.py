"""Racing create-order calls on one session yield exactly one order, with several workers too."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

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


def test_a_bad_signature_is_refused_while_another_process_holds_the_writer(tmp_path):
    """A merchant signature is checked before the request's write waits for the store's writer:
    a forged call gets its 401 at once, and a good one is served once the writer lets go."""
    with MockServer.start(tmp_path) as server:
        client = server.client()
        body = {"productId": client.product()["id"], "currency": "USD"}
        # Another mock process writing, for longer than a request may take: it holds the writer lock.
        lock = WriterLock.for_store(sqlite_url(str(tmp_path / "pancake.sqlite3")))
        lock.acquire()
        other = sqlite3.connect(tmp_path / "pancake.sqlite3", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with ThreadPoolExecutor(1) as pool:
                waiting = pool.submit(client.signed, CREATE_SESSION, body)
                started = time.monotonic()
                forged = client.signed(CREATE_SESSION, body, headers={"X-Signature": "AAAA"})
                assert error_of(forged) == (401, "Invalid signature") and time.monotonic() - started < 2
                time.sleep(0.5)
                assert not waiting.done()
                other.execute("COMMIT")
                lock.release()
                assert waiting.result(timeout=30).status_code == 200
        finally:
            other.close()

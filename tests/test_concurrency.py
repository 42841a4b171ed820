"""Racing create-order calls on one session yield exactly one order, with several workers too."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

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

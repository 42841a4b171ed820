"""State survives a restart; a seed reproduces the seeded world and its ids."""

from __future__ import annotations

import json

import pytest

from support import MockServer, free_port


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_state_survives_a_restart(tmp_path, backend, backend_args):
    port = free_port()
    store = backend_args(backend)
    with MockServer.start(tmp_path, *store, port=port) as server:
        client = server.client()
        credentials = server.credentials
        session = client.create_session(buyerEmail="keep@example.com")
        body = {"checkoutSessionId": session, "billingDetail": {"country": "FR", "isBusiness": False}}
        assert client.create_order(body).status_code == 200
        before = client.orders()
    with MockServer.start(tmp_path, *store, port=port) as server:
        client = server.client()
        assert server.credentials == credentials
        assert client.orders() == before
        assert client.session_record(session)["status"] == "completed"
        # The old keys still sign: the merchant and its key pairs were kept.
        assert client.create_session()


def test_same_seed_same_world_other_seed_other_world(tmp_path):
    worlds = {}
    for name, seed in (("a", 42), ("b", 42), ("c", 7)):
        data_dir = tmp_path / name
        data_dir.mkdir()
        with MockServer.start(data_dir, "--seed", str(seed)) as server:
            client = server.client()
            session = client.create_session()
            creds = server.credentials
            worlds[name] = (creds["merchantId"], json.dumps(creds["stores"], sort_keys=True), session)
    assert worlds["a"] == worlds["b"]
    assert worlds["a"][0] != worlds["c"][0] and worlds["a"][1] != worlds["c"][1]


def test_reset_returns_to_the_seeded_state(api, server):
    seeded = server.credentials
    session = api.create_session()
    api.create_order({"checkoutSessionId": session, "buyerEmail": "a@b.co", "billingDetail": {"country": "DE", "isBusiness": False}})
    api.signed("/v1/actions/onetime-product/update-product", {"id": api.product()["id"], "name": "Changed"})
    api.reset()
    assert api.orders() == []
    assert server.credentials == seeded
    # Same seed, same counters: the first session after a reset has the same id again.
    assert api.create_session() == session

"""Every HTTP test drives a real mock: `pancake-mock serve` on a free loopback port."""

from __future__ import annotations

import pytest

from support import MockServer


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> MockServer:
    with MockServer.start(tmp_path_factory.mktemp("mock")) as running:
        yield running


@pytest.fixture
def api(server):
    """A client on a freshly reset mock: every test starts from the seeded state."""
    client = server.client()
    client.reset()
    return client

"""`pancake-mock serve` starts honestly: it binds before it writes or announces anything, its
banner says where it listens, its credentials are private, and a data dir keeps its seed."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys

import pytest

from support import MockServer


def serve(data_dir, *extra: str, timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pancake_mock", "serve", "--data-dir", str(data_dir), *extra],
                          capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})


@pytest.fixture
def taken_port():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_taken_port_fails_in_one_line_and_writes_nothing(tmp_path, taken_port, workers):
    data_dir = tmp_path / "fresh"
    result = serve(data_dir, "--port", str(taken_port), "--workers", workers)
    assert result.returncode != 0
    assert result.stderr.strip() == f"pancake-mock: cannot listen on 127.0.0.1:{taken_port}: Address already in use"
    assert "ready" not in result.stdout
    assert not data_dir.exists()


def test_the_port_comes_from_the_environment_when_not_given(tmp_path, taken_port):
    """A container's healthcheck reads the same $PANCAKE_MOCK_PORT the server listens on."""
    result = serve(tmp_path / "fresh", env={"PANCAKE_MOCK_PORT": str(taken_port)})
    assert result.stderr.strip() == f"pancake-mock: cannot listen on 127.0.0.1:{taken_port}: Address already in use"
    garbled = serve(tmp_path / "fresh", env={"PANCAKE_MOCK_PORT": "eighty"})
    assert garbled.returncode == 2 and "argument --port: invalid int value: 'eighty'" in garbled.stderr


def test_a_second_serve_on_a_running_mocks_port_leaves_its_credentials_alone(tmp_path):
    with MockServer.start(tmp_path) as running:
        credentials = tmp_path / "credentials.json"
        before = (credentials.read_bytes(), credentials.stat().st_mtime_ns)
        result = serve(tmp_path, "--port", str(running.port))
        assert result.returncode != 0 and "cannot listen" in result.stderr
        assert (credentials.read_bytes(), credentials.stat().st_mtime_ns) == before
        assert running.client().send("GET", "/_mock/psp/faults").status_code == 200


def test_credentials_are_readable_by_their_owner_only(tmp_path):
    stale = tmp_path / "credentials.json"
    stale.write_text("{}")
    stale.chmod(0o644)  # as an older version left it
    with MockServer.start(tmp_path):
        assert stat.S_IMODE(stale.stat().st_mode) == 0o600
        assert "apiKeys" in stale.read_text()


def test_the_banner_on_loopback(tmp_path):
    with MockServer.start(tmp_path) as running:
        banner = running.log_tail()
    assert f"pancake-mock ready on http://127.0.0.1:{running.port}" in banner
    assert f"listening    127.0.0.1:{running.port} (this machine only)" in banner
    assert f"control      http://127.0.0.1:{running.port}/_mock: open to this machine\n" in banner
    assert "controlToken" not in running.credentials


def test_the_banner_on_all_interfaces_says_so(tmp_path):
    with MockServer.start(tmp_path, "--host", "0.0.0.0") as running:
        banner = running.log_tail()
    assert f"listening    all interfaces (0.0.0.0:{running.port})" in banner
    assert "others send X-Control-Token (controlToken in credentials.json)" in banner
    assert running.credentials["controlToken"]


def test_the_banner_without_control_plane(tmp_path):
    with MockServer.start(tmp_path, "--no-control-plane") as running:
        banner = running.log_tail()
    assert "control      off (--no-control-plane)" in banner


def _session_after_reset(server: MockServer) -> str:
    client = server.client()
    client.reset()
    return client.create_session()


def test_reset_follows_the_seed_the_data_dir_was_made_with(tmp_path_factory):
    """Seeded with 5, restarted with --seed 0: a reset gives the seed-5 world and ids again."""
    seeded = tmp_path_factory.mktemp("seed-5")
    with MockServer.start(seeded, "--seed", "5") as first:
        seed_5_world = {**first.credentials, "baseUrl": None}
        seed_5_session = _session_after_reset(first)
    with MockServer.start(seeded, "--seed", "0") as restarted:
        assert "was seeded with --seed 5" in restarted.log_tail()
        assert _session_after_reset(restarted) == seed_5_session
    with MockServer.start(seeded, "--seed", "0") as again:  # rewrites credentials.json from the reset store
        assert {**again.credentials, "baseUrl": None} == seed_5_world

    with MockServer.start(tmp_path_factory.mktemp("seed-0"), "--seed", "0") as other:
        assert _session_after_reset(other) != seed_5_session  # ids do depend on the seed

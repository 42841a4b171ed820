"""The control plane answers this machine freely, other machines only with the control token,
and nobody at all with --no-control-plane (other machines: support.OUTWARD)."""

from __future__ import annotations

import pytest
import requests

from pancake_mock.wire.control_guard import is_loopback
from support import OUTWARD, MockServer, error_of, needs_outward_address

GUARDED = "The control plane needs a valid X-Control-Token from this address"


def faults(host: str, port: int, **headers: str) -> requests.Response:
    return requests.get(f"http://{host}:{port}/_mock/psp/faults", headers=headers, timeout=10)


@pytest.fixture(scope="module", params=["0.0.0.0", "::"])
def everywhere(request, tmp_path_factory):
    """A mock bound to all interfaces, IPv4 or dual-stack IPv6 (which sees IPv4 loopback as ::ffff:127.0.0.1),
    in an environment that tells uvicorn to trust every proxy header: the guard must not care."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FORWARDED_ALLOW_IPS", "*")
        with MockServer.start(tmp_path_factory.mktemp("everywhere"), "--host", request.param) as running:
            yield running


def test_loopback_callers_need_no_token(everywhere):
    assert faults("127.0.0.1", everywhere.port).status_code == 200


@needs_outward_address
def test_other_machines_need_the_token(everywhere):
    token = everywhere.credentials["controlToken"]
    assert error_of(faults(OUTWARD, everywhere.port)) == (401, GUARDED)
    assert error_of(faults(OUTWARD, everywhere.port, **{"X-Control-Token": token[:-1]})) == (401, GUARDED)
    assert error_of(faults(OUTWARD, everywhere.port, **{"X-Control-Token": "é"})) == (401, GUARDED)
    assert faults(OUTWARD, everywhere.port, **{"X-Control-Token": token}).status_code == 200


@needs_outward_address
def test_forwarding_headers_unlock_nothing(everywhere):
    spoofed = {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1", "Forwarded": "for=127.0.0.1"}
    assert error_of(faults(OUTWARD, everywhere.port, **spoofed)) == (401, GUARDED)


@needs_outward_address
def test_the_guard_covers_the_control_plane_only(everywhere):
    """The API itself answers other machines as always (here: 401 for a missing signature)."""
    response = requests.post(f"http://{OUTWARD}:{everywhere.port}/v1/actions/auth/issue-session-token",
                             json={}, timeout=10)
    assert response.status_code == 401 and error_of(response)[1] != GUARDED
    assert error_of(requests.post(f"http://{OUTWARD}:{everywhere.port}/_mock/reset", timeout=10)) == (401, GUARDED)
    assert error_of(requests.get(f"http://{OUTWARD}:{everywhere.port}/_mock/nothing", timeout=10)) == (401, GUARDED)


@needs_outward_address
def test_a_chosen_token(tmp_path):
    with MockServer.start(tmp_path, "--host", "0.0.0.0", "--control-token", "s3cret-enough") as running:
        assert running.credentials["controlToken"] == "s3cret-enough"
        assert faults(OUTWARD, running.port, **{"X-Control-Token": "s3cret-enough"}).status_code == 200
        assert error_of(faults(OUTWARD, running.port)) == (401, GUARDED)


def test_no_control_plane_is_not_found_for_everyone(tmp_path):
    with MockServer.start(tmp_path, "--no-control-plane") as running:
        assert error_of(faults("127.0.0.1", running.port)) == (404, "Not found")
        assert error_of(requests.post(f"{running.base_url}/_mock/reset", timeout=10)) == (404, "Not found")
        # The API is untouched.
        assert running.client().create_session().startswith("cs_")


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("192.0.2.2", False), ("::ffff:192.0.2.2", False), ("fd00::2", False), ("0.0.0.0", False), ("localhost", False),
])
def test_what_counts_as_loopback(host, loopback):
    assert is_loopback(host) is loopback

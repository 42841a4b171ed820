"""Header abuse costs the mock nothing: an oversized header is refused at once with 431, slow
headers are cut off after --header-timeout, and normal keep-alive clients notice neither.
All traffic goes to 127.0.0.1, bounded in size and time."""

from __future__ import annotations

import http.client
import select
import socket
import time
from pathlib import Path

import pytest

from pancake_mock.server import MAX_HEADER_BYTES
from support import MockServer

HEADER_TIMEOUT = 2.0
REQUEST_LINE = b"GET /_mock/psp/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n"


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    with MockServer.start(tmp_path_factory.mktemp("edge"), "--header-timeout", str(HEADER_TIMEOUT)) as running:
        yield running


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


def send_and_read(port: int, payload: bytes, limit: float) -> tuple[bytes, float]:
    """Send `payload` while reading whatever comes back, until the server closes or `limit` seconds."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setblocking(False)
        sent, answer = 0, b""
        while time.monotonic() - started < limit:
            readable, writable, _ = select.select([sock], [sock] if sent < len(payload) else [], [], 0.5)
            if readable:
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                answer += chunk
            if writable:
                try:
                    sent += sock.send(payload[sent:sent + 65536])
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    pass
        return answer, time.monotonic() - started


def test_a_64_mib_header_is_refused_at_once_and_costs_no_memory(mock):
    client = mock.client()
    client.send("GET", "/_mock/psp/faults")  # warm: the app is loaded
    before = rss_kib(mock.process.pid)
    answer, elapsed = send_and_read(mock.port, REQUEST_LINE + b"X-Big: " + b"a" * (64 << 20), limit=10)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert body == b'{"data": null, "errors": [{"message": "Request headers too large", "layer": "gateway"}]}'
    assert elapsed < 3
    assert rss_kib(mock.process.pid) - before < 8 * 1024
    assert client.send("GET", "/_mock/psp/faults").status_code == 200


def test_many_headers_add_up_to_the_same_limit(mock):
    many = b"".join(b"X-H%d: %s\r\n" % (n, b"v" * 100) for n in range(MAX_HEADER_BYTES // 100))
    answer, _ = send_and_read(mock.port, REQUEST_LINE + many + b"\r\n", limit=5)
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_large_but_allowed_headers_pass(mock):
    response = mock.client().send("GET", "/_mock/psp/faults", headers={"X-Big": "a" * (MAX_HEADER_BYTES // 2)})
    assert response.status_code == 200


def test_a_connection_that_sends_nothing_is_closed(mock):
    with socket.create_connection(("127.0.0.1", mock.port)) as sock:
        sock.settimeout(HEADER_TIMEOUT + 3)
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert HEADER_TIMEOUT - 0.2 < time.monotonic() - started < HEADER_TIMEOUT + 1.5


def test_slowloris_connections_are_closed_while_a_keep_alive_client_carries_on(mock):
    slow = []
    for _ in range(50):
        sock = socket.create_connection(("127.0.0.1", mock.port))
        sock.sendall(REQUEST_LINE)
        sock.setblocking(False)
        slow.append(sock)
    started = time.monotonic()
    closed_after: dict[socket.socket, float] = {}

    keep_alive = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=5)
    keep_alive.connect()
    first_socket = keep_alive.sock
    answers = []
    try:
        while len(closed_after) < len(slow) and time.monotonic() - started < HEADER_TIMEOUT + 4:
            for sock in slow:  # a header byte a second, as slowloris does
                if sock in closed_after:
                    continue
                try:
                    if sock.recv(1) == b"":
                        closed_after[sock] = time.monotonic() - started
                        continue
                except BlockingIOError:
                    pass
                except ConnectionResetError:
                    closed_after[sock] = time.monotonic() - started
                    continue
                try:
                    sock.send(b"X")
                except (BrokenPipeError, ConnectionResetError):
                    closed_after[sock] = time.monotonic() - started
            keep_alive.request("GET", "/_mock/psp/faults")
            response = keep_alive.getresponse()
            response.read()
            answers.append(response.status)
            time.sleep(1)
        # Past the header deadline, the keep-alive connection is still the first one and still works.
        keep_alive.request("GET", "/_mock/psp/faults")
        answers.append(keep_alive.getresponse().status)
        assert keep_alive.sock is first_socket
    finally:
        keep_alive.close()
        for sock in slow:
            sock.close()
    assert len(closed_after) == len(slow)
    assert max(closed_after.values()) < HEADER_TIMEOUT + 2
    assert set(answers) == {200} and len(answers) >= 3

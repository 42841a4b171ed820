"""A webhook receiver on a free loopback port, as a merchant's backend would run one: it keeps every
request it gets (raw body and headers) and answers as a test scripts it (statuses in turn, or
hanging for a while first)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    at: float = field(default_factory=time.monotonic)


class Receiver:
    def __init__(self, statuses: list[int] | None = None, hang: float = 0.0, port: int = 0):
        self.received: list[Received] = []
        self.statuses = list(statuses or [])  # answered in turn; 200 once they run out
        self.hang = hang  # seconds the first request waits before its answer
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                with receiver._arrived:
                    receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    hang, receiver.hang = receiver.hang, 0.0
                    receiver._arrived.notify_all()
                time.sleep(hang)
                answer = f"answer {status}".encode()
                self.send_response(status)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks"

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        """The first `count` requests, once they are in; fails after `timeout` seconds."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} of {count} webhook requests arrived within {timeout} s")
            return self.received[:count]

    @classmethod
    @contextmanager
    def running(cls, *args, **kwargs) -> Iterator[Receiver]:
        receiver = cls(*args, **kwargs)
        thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield receiver
        finally:
            receiver.server.shutdown()
            receiver.server.server_close()

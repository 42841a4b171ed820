"""The mock under load: a running mock, the feeds made from its credentials, and create-order runs
that never send a session twice."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import load  # noqa: E402
from pancake_mock.verify.client import Api  # noqa: E402
from support import MockServer  # noqa: E402

MARGIN = 1.5  # a feed holds this many times what the expected rate needs
BUYERS = 32  # customer tokens the create-order feeds take in turn


@dataclass
class Mock:
    server: MockServer
    api: Api
    work: Path

    @property
    def url(self) -> str:
        return self.server.base_url

    def feed(self, name: str, requests: Iterator[load.Request]) -> Path:
        return load.write_feed(self.work / f"{name}.feed", requests)

    def session_feed(self, count: int) -> Path:
        product = self.api.product()
        return self.feed("create-session", load.session_requests(self.api.signer(), product["id"], "EUR", count))

    def token_feed(self, count: int) -> Path:
        return self.feed("issue-session-token", load.token_requests(self.api.signer(), self.api.stores[0]["id"], count))

    def buyers(self, count: int = BUYERS) -> list[str]:
        """Customer tokens for the create-order feeds to take in turn."""
        return [self.api.issue_token(buyer=f"bench-order-buyer-{n}") for n in range(count)]


@contextmanager
def running(data_dir: Path, *serve_args: str) -> Iterator[Mock]:
    """`pancake-mock serve` on a free loopback port, on `data_dir` as it is (new, or a pre-filled store)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with MockServer.start(data_dir, *serve_args) as server:
        yield Mock(server, Api(server.base_url, server.credentials), data_dir)


class Sessions:
    """Checkout sessions made ahead of the create-order runs by wrk itself, replaying the signed
    create-session feed and keeping each answer's sessionId (the mock accepts a signature until it
    expires, so a replay makes one more session)."""

    def __init__(self, target: Mock, feed: Path, *, threads: int = 2, connections: int = 32):
        self.target, self.feed, self.threads, self.connections = target, feed, threads, connections
        self.ids: list[str] = []
        self.rate = 0.0
        self.runs = 0

    def make(self, seconds: float) -> load.Load:
        self.runs += 1
        capture = self.target.work / f"sessions-{self.runs}"
        result = load.wrk(self.target.url, self.feed, threads=self.threads, connections=self.connections,
                          seconds=seconds, capture=capture)
        self.ids += load.captured(capture)
        self.rate = result.rps
        return result

    def take(self, count: int) -> list[str]:
        for _ in range(5):
            if len(self.ids) >= count:
                taken, self.ids = self.ids[:count], self.ids[count:]
                return taken
            if not self.rate:
                raise RuntimeError("create-session made no sessions")
            self.make(min(120.0, (count - len(self.ids)) / self.rate * 1.2 + 1))
        raise RuntimeError(f"could not make {count} sessions")


def order_load(target: Mock, sessions: Sessions, tokens: list[str], expected_rps: float, *,
               threads: int, connections: int, seconds: float) -> load.Load:
    """create-order with a fresh session per request; again with a bigger feed if it ran out."""
    for _ in range(3):
        count = int(expected_rps * seconds * MARGIN) + 50
        feed = target.feed(f"create-order-c{connections}", load.order_requests(sessions.take(count), tokens))
        result = load.wrk(target.url, feed, threads=threads, connections=connections, seconds=seconds)
        if not result.beyond_feed:
            return result
        expected_rps = result.answered / result.seconds * 2
    raise RuntimeError("create-order outran its feed three times")

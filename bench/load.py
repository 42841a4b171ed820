"""Load from wrk: feeds of pre-made requests, one wrk run, and what it measured.

A feed is a file of complete requests, one a line (see feed.lua): a distinct pre-made checkout
session per create-order, a distinct pre-signed body per merchant call. The Python side only
prepares; wrk (C, LuaJIT) sends, so the load generator is not the bottleneck.
"""

from __future__ import annotations

import json
import math
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from pancake_mock.verify.client import CREATE_SESSION, ISSUE_TOKEN
from pancake_mock.verify.signing import MerchantSignature, canonical_string

FEED_LUA = Path(__file__).with_name("feed.lua")
CREATE_ORDER = "/v1/actions/onetime-order/create-order"
BILLING = {"country": "DE", "isBusiness": False}
WRK_TIMEOUT = "10s"  # wrk's default 2 s would drop slow answers from the latency figures

Request = tuple[str, dict[str, str], str]  # path, headers, body


def signed(signer: MerchantSignature, path: str, body: dict, stamp: str) -> Request:
    content = json.dumps(body, separators=(",", ":"))
    signature = signer.signature(canonical_string("POST", path, stamp, content.encode()))
    return path, {"Content-Type": "application/json", "X-Merchant-Id": signer.merchant_id,
                  "X-Timestamp": stamp, "X-Signature": signature}, content


def session_requests(signer: MerchantSignature, product_id: str, currency: str, count: int) -> Iterator[Request]:
    """`count` create-session calls, distinct by their metadata, signed now (valid 15 minutes)."""
    stamp = str(int(time.time()))
    for n in range(count):
        yield signed(signer, CREATE_SESSION, {"productId": product_id, "currency": currency,
                                              "metadata": {"bench": str(n)}}, stamp)


def token_requests(signer: MerchantSignature, store_id: str, count: int) -> Iterator[Request]:
    """`count` issue-session-token calls for as many buyers, signed now."""
    stamp = str(int(time.time()))
    for n in range(count):
        yield signed(signer, ISSUE_TOKEN, {"buyerIdentity": f"bench-buyer-{n}", "role": "customer",
                                           "storeId": store_id}, stamp)


def order_requests(sessions: list[str], tokens: list[str]) -> Iterator[Request]:
    """One create-order per session; the buyers' tokens taken in turn."""
    for n, session in enumerate(sessions):
        body = {"checkoutSessionId": session, "buyerEmail": f"buyer-{n}@example.com", "billingDetail": BILLING}
        yield CREATE_ORDER, {"Content-Type": "application/json", "Authorization": f"Bearer {tokens[n % len(tokens)]}",
                             "X-Environment": "test"}, json.dumps(body, separators=(",", ":"))


def write_feed(path: Path, requests: Iterable[Request]) -> Path:
    with path.open("w") as feed:
        for target, headers, body in requests:
            feed.write("\t".join([target, *(f"{name}: {value}" for name, value in headers.items()), body]) + "\n")
    return path


@dataclass
class Load:
    """One wrk run. Only 2xx answers count as done; the rest are counted by status."""
    ok: int
    answered: int
    seconds: float
    p50_ms: float
    p99_ms: float
    fed: int
    beyond_feed: int
    socket_errors: int
    timeouts: int
    failures: dict[str, int]
    failure_sample: str

    @property
    def rps(self) -> float:
        return self.ok / self.seconds

    @property
    def not_ok(self) -> int:
        return self.answered - self.ok + self.socket_errors + self.timeouts


def wrk(base_url: str, feed: Path, *, threads: int, connections: int, seconds: float,
        capture: Path | None = None) -> Load:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{math.ceil(seconds)}s", f"--timeout={WRK_TIMEOUT}",
               "-s", str(FEED_LUA), base_url, "--", str(feed), str(threads), *([str(capture)] if capture else [])]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((line for line in result.stdout.splitlines() if line.startswith("BENCH ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    figures = json.loads(line.removeprefix("BENCH "))
    return Load(ok=figures["ok"], answered=figures["answered"], seconds=figures["duration_us"] / 1e6,
                p50_ms=figures["p50_us"] / 1000, p99_ms=figures["p99_us"] / 1000, fed=figures["fed"],
                beyond_feed=figures["beyond_feed"], socket_errors=figures["socket_errors"],
                timeouts=figures["timeouts"], failures=figures["failures"], failure_sample=figures["failure_sample"])


def captured(capture: Path) -> list[str]:
    """The session ids a capturing run wrote, one file per wrk thread."""
    return [line for part in sorted(capture.parent.glob(capture.name + ".*")) for line in part.read_text().split()]

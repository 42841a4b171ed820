"""Sequential checkout latency against a mock started here on a loopback port.

    python bench/checkout_latency.py [N]

Starts `pancake-mock serve` on a free 127.0.0.1 port with a fresh data dir, then runs N (default
200, at most 2000) create-session + create-order pairs with a fresh token each and prints the
median and p95 time of the create-order call. Traffic goes to loopback only and stops by itself.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support import MockServer  # noqa: E402

BILLING = {"country": "DE", "isBusiness": False}


def main() -> None:
    count = min(int(sys.argv[1]) if len(sys.argv) > 1 else 200, 2000)
    with MockServer.start(Path(tempfile.mkdtemp(prefix="pancake-bench-"))) as server:
        api = server.client()
        token = api.issue_token()
        timings = []
        for _ in range(count):
            session = api.create_session()
            started = time.perf_counter()
            response = api.create_order({"checkoutSessionId": session, "buyerEmail": "b@example.com",
                                         "billingDetail": BILLING}, token, check=False)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    timings.sort()
    print(f"create-order, {count} sequential calls: median {statistics.median(timings) * 1000:.2f} ms, "
          f"p95 {timings[int(0.95 * len(timings)) - 1] * 1000:.2f} ms")


if __name__ == "__main__":
    main()

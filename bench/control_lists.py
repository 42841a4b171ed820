"""Control-plane list pages over a large store, against a mock started here on a loopback port.

    python bench/control_lists.py [N]

Makes a fresh data dir, copies one real order N times (default 200,000, at most 2,000,000) straight
into its SQLite file with new ids, starts `pancake-mock serve` on it, and prints, for GET /_mock/orders and /_mock/psp/calls, the
median time of 20 fetches of the first page (100) and of the 1000 after it, the first page's size,
and the server's RSS before and after. Traffic goes to loopback only.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support import MockServer  # noqa: E402


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _fill(database: Path, count: int) -> None:
    """Copy the one order (and its PSP call) `count` times, in one transaction."""
    db = sqlite3.connect(database)
    columns = [row[1] for row in db.execute("PRAGMA table_info(orders)")]
    template = dict(zip(columns, db.execute("SELECT * FROM orders").fetchone()))
    call_columns = [row[1] for row in db.execute("PRAGMA table_info(psp_calls)") if row[1] != "id"]
    call = db.execute(f"SELECT {', '.join(call_columns)} FROM psp_calls").fetchone()
    rows = ({**template, "id": f"ORD_bench{n:017d}", "checkout_session_id": f"cs_bench-{n}",
             "payment_id": f"PAY_bench{n:017d}"} for n in range(count))
    db.executemany(f"INSERT INTO orders ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})", rows)
    db.executemany(f"INSERT INTO psp_calls ({', '.join(call_columns)}) VALUES ({', '.join('?' * len(call_columns))})",
                   (call for _ in range(count)))
    db.commit()
    db.close()


def _median_ms(url: str, params: dict) -> tuple[float, int, str | None]:
    timings, size, cursor = [], 0, None
    for _ in range(20):
        started = time.perf_counter()
        response = httpx.get(url, params=params, timeout=30)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        size, cursor = len(response.content), response.json()["nextCursor"]
    return statistics.median(timings) * 1000, size, cursor


def main() -> None:
    count = min(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000, 2_000_000)
    data_dir = Path(tempfile.mkdtemp(prefix="pancake-bench-lists-"))
    with MockServer.start(data_dir) as server:
        api = server.client()
        session = api.create_session()
        assert api.create_order({"checkoutSessionId": session, "buyerEmail": "b@example.com",
                                 "billingDetail": {"country": "DE", "isBusiness": False}}).status_code == 200
    _fill(data_dir / "pancake.sqlite3", count)
    with MockServer.start(data_dir) as server:
        before = _rss_kb(server.process.pid)
        for path, name in (("/_mock/orders", "orders"), ("/_mock/psp/calls", "calls")):
            url = server.base_url + path
            first, size, cursor = _median_ms(url, {"limit": 100})
            middle, _, _ = _median_ms(url, {"limit": 1000, "cursor": cursor})
            print(f"{path} over {count + 1:,} rows: first page of 100 {first:.1f} ms ({size:,} bytes), "
                  f"a page of 1000 after it {middle:.1f} ms")
        print(f"server RSS {before:,} kB before, {_rss_kb(server.process.pid):,} kB after")


if __name__ == "__main__":
    main()

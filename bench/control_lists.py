"""A large store: control-plane list pages, and create-order beside the same on an empty store.

    ./dev bench --large-store [N]       (after the main table), or on its own:
    .venv/bin/python bench/control_lists.py [N] [--seconds S]

Makes a data dir with one real order, copies it N times (default 1,000,000, at most 2,000,000)
straight into its SQLite file with new ids (about 30 s for a million), then:
- every list page of the control plane, over the big store: GET /_mock/orders and /_mock/psp/calls,
  the first page, a page of 1000 after it, a page near the end, and each filter (one that matches
  one row, all rows, none), median of 10 fetches each; the target is under 100 ms;
- sequential create-order (wrk -t1 -c1, S seconds, default 10) on the big store and on an empty
  one, interleaved twice; the target is a big-store p50 within 10 % of the empty store's.
Traffic goes to loopback only and stops by itself; the data dirs are removed at the end.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import httpx

import load
import tools
from target import Sessions, order_load, running

PAGE_TARGET_MS = 100
STORE_TARGET = 1.10  # big-store p50 over empty-store p50
FETCHES = 10


def fill(database: Path, count: int) -> None:
    """Copy the one order (and its PSP call) `count` times, in one transaction."""
    db = sqlite3.connect(database)
    columns = [row[1] for row in db.execute("PRAGMA table_info(orders)")]
    template = dict(zip(columns, db.execute("SELECT * FROM orders").fetchone()))
    call_columns = [row[1] for row in db.execute("PRAGMA table_info(psp_calls)") if row[1] != "id"]
    call = db.execute(f"SELECT {', '.join(call_columns)} FROM psp_calls").fetchone()
    rows = ({**template, "id": bench_order_id(n), "checkout_session_id": f"cs_bench-{n}",
             "payment_id": f"PAY_bench{n:017d}"} for n in range(count))
    db.executemany(f"INSERT INTO orders ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})", rows)
    db.executemany(f"INSERT INTO psp_calls ({', '.join(call_columns)}) VALUES ({', '.join('?' * len(call_columns))})",
                   (call for _ in range(count)))
    db.commit()
    db.close()


def bench_order_id(n: int) -> str:
    return f"ORD_bench{n:017d}"


def one_order_store(data_dir: Path) -> None:
    with running(data_dir) as target:
        order = {"checkoutSessionId": target.api.create_session(), "buyerEmail": "b@example.com",
                 "billingDetail": load.BILLING}
        assert target.api.create_order(order).status_code == 200


def page_ms(http: httpx.Client, path: str, params: dict) -> tuple[float, dict]:
    """Median time of FETCHES fetches of one page, on a kept-alive connection; the page."""
    timings = []
    for _ in range(FETCHES):
        started = time.perf_counter()
        response = http.get(path, params=params)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, f"{path} {params}: {response.status_code} {response.text[:300]}"
    return statistics.median(timings), response.json()


def pages(http: httpx.Client, count: int) -> list[tuple[str, dict]]:
    """Every kind of list page: first, next, near the end, and each filter matching one, all and none.
    The copies share the template's createdAt, so a cursor near the end is that time and a copy's id."""
    _, first = page_ms(http, "/_mock/orders", {"limit": 1})
    created_us = first["nextCursor"].split("-", 1)[0]
    template = first["orders"][0]
    return [
        ("/_mock/orders", {"limit": 100}),
        ("/_mock/orders", {"limit": 1000, "cursor": first["nextCursor"]}),
        ("/_mock/orders", {"limit": 1000, "cursor": f"{created_us}-{bench_order_id(count - 500)}"}),
        ("/_mock/orders", {"checkoutSessionId": f"cs_bench-{count // 2}"}),
        ("/_mock/orders", {"checkoutSessionId": "cs_none"}),
        ("/_mock/orders", {"status": template["status"]}),
        ("/_mock/orders", {"status": "none"}),
        ("/_mock/psp/calls", {"limit": 100}),
        ("/_mock/psp/calls", {"limit": 1000, "cursor": "1000"}),
        ("/_mock/psp/calls", {"limit": 1000, "cursor": str(count - 500)}),
        ("/_mock/psp/calls", {"outcome": "succeeded"}),
        ("/_mock/psp/calls", {"outcome": "failed"}),
    ]


def list_report(data_dir: Path, count: int) -> bool:
    with running(data_dir) as target, httpx.Client(base_url=target.url, timeout=30) as http:
        slow = 0
        for path, params in pages(http, count):
            ms, page = page_ms(http, path, params)
            items = len(next(value for key, value in page.items() if key != "nextCursor"))
            slow += ms >= PAGE_TARGET_MS
            query = "&".join(f"{key}={value}" for key, value in params.items())
            print(f"  {path}?{query}: {ms:.1f} ms, {items} items{'  <- over target' if ms >= PAGE_TARGET_MS else ''}")
        print(f"  server RSS after the list pages: {max(tools.worker_rss_mb(target.server.process.pid)):.0f} MB")
    return not slow


def sequential_p50(data_dir: Path, seconds: float) -> float:
    with running(data_dir) as target:
        sessions = Sessions(target, target.session_feed(2000))
        sessions.make(3)
        result = order_load(target, sessions, target.buyers(), sessions.rate, threads=1, connections=1, seconds=seconds)
        assert result.not_ok == 0, f"{result.not_ok} create-orders failed: {result.failure_sample}"
        return result.p50_ms


def report(count: int, seconds: float) -> None:
    count = min(count, 2_000_000)
    with tempfile.TemporaryDirectory(prefix="pancake-bench-lists-") as work:
        big, empty = Path(work) / "big", Path(work) / "empty"
        one_order_store(big)
        started = time.monotonic()
        fill(big / "pancake.sqlite3", count)
        print(f"filled {count:,} orders and PSP calls in {time.monotonic() - started:.0f} s")
        print(f"control-plane list pages over {count + 1:,} orders (median of {FETCHES}, target < {PAGE_TARGET_MS} ms):")
        lists_ok = list_report(big, count)
        p50s: dict[Path, list[float]] = {big: [], empty: []}
        for _ in range(2):
            for store in (empty, big):
                p50s[store].append(sequential_p50(store, seconds))
        ratio = statistics.median(p50s[big]) / statistics.median(p50s[empty])
        print(f"sequential create-order p50 (wrk -t1 -c1 -d{seconds:g}s, median of 2, interleaved): empty store "
              f"{statistics.median(p50s[empty]):.2f} ms, {count + 1:,} orders {statistics.median(p50s[big]):.2f} ms, "
              f"ratio {ratio:.2f} (target ≤ {STORE_TARGET})")
    print(f"list pages: {'ok' if lists_ok else 'fail'}; store size: {'ok' if ratio <= STORE_TARGET else 'fail'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=1_000_000, help="orders to copy (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=10, help="per create-order run (default %(default)s)")
    args = parser.parse_args()
    tools.serve_only_install()
    report(args.count, args.seconds)


if __name__ == "__main__":
    main()

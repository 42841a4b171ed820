"""pancake-mock beside Prism's static mock of the same contract: one table, figure by figure.

    ./dev bench [--quick] [--postgres] [--workers 1,2,4] [--serve-workers N] [--duration S] [--rounds N]
                [--large-store [N]]

(`./dev bench` installs the project into .venv first; `.venv/bin/python bench/run.py` is the same.)
It sets up what it needs: wrk from Debian (apt-get, when missing), Prism 5.14.2 from npm into
bench/.cache (or $XDG_CACHE_HOME/pancake-mock-bench), the mock on a fresh data dir per launch and,
with --postgres, a private PostgreSQL cluster. Servers take turns in interleaved rounds (mock,
[mock on PostgreSQL,] Prism; again), each figure is the median over the rounds, and every process
started here is stopped here, on Ctrl-C too. All traffic goes to 127.0.0.1 and ends with each run.
--quick is a smoke run: 5 s loads, one round. --large-store adds bench/control_lists.py's report
(list pages and create-order over a store of N copied orders, default a million) after the table.
BENCHMARKS.md says how to read the table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import control_lists  # noqa: E402
import load  # noqa: E402
import tools  # noqa: E402
from pancake_mock.verify.client import Api  # noqa: E402
from support import MockServer  # noqa: E402
from target import MARGIN, Sessions, order_load, running  # noqa: E402

MOCK, MOCK_PG, PRISM = "pancake-mock", "pancake-mock on PostgreSQL", "Prism"
LAUNCH = "launch to first 200 create-order, s"
RSS = "RSS per worker after load, MB (largest)"
NOT_OK = "non-2xx answers or socket errors, all runs"
LAUNCHES = 3


@dataclass
class Options:
    seconds: float
    rounds: int
    threads: int
    connections: int
    serve_workers: int
    workers: list[int]
    postgres: bool
    large_store: int | None


@dataclass
class Figures:
    """Every measured value per server column and figure, over the rounds; `notes` for the footer."""
    values: dict[str, dict[str, list[float]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    notes: list[str] = field(default_factory=list)
    expected_rps: dict[tuple[str, str], float] = field(default_factory=dict)  # feeds are sized from the last round

    def add(self, column: str, figure: str, value: float) -> None:
        self.values[column][figure].append(value)

    def add_load(self, column: str, figure: str, result: load.Load, *, latency: bool = False) -> None:
        self.add(column, f"{figure} rps", result.rps)
        if latency:
            self.add(column, f"{figure} p50 ms", result.p50_ms)
            self.add(column, f"{figure} p99 ms", result.p99_ms)
        self.add(column, NOT_OK, result.not_ok)
        if result.not_ok:
            self.notes.append(f"{column}, {figure}: {result.not_ok} not 2xx ({result.failures}, "
                              f"{result.socket_errors} socket errors, {result.timeouts} timeouts), "
                              f"e.g. {result.failure_sample[:200]}")
        self.expected_rps[column, figure] = result.answered / result.seconds


def scaling(workers: int) -> str:
    return f"create-order with --workers {workers}"


def mock_turn(figures: Figures, column: str, opts: Options, work: Path, backend: Callable[[], list[str]]) -> Path:
    """The mock's figures at --serve-workers, then create-order at each of --workers; the feeds' directory."""
    def expected(figure: str, fallback: float) -> float:
        return figures.expected_rps.get((column, figure), fallback)

    seconds, threads, connections = opts.seconds, opts.threads, opts.connections
    with running(work / f"workers-{opts.serve_workers}", "--workers", str(opts.serve_workers), *backend()) as target:
        tokens = target.token_feed(int(expected("issue-session-token", 500) * seconds * MARGIN))
        figures.add_load(column, "issue-session-token", load.wrk(target.url, tokens, threads=threads,
                                                                 connections=connections, seconds=seconds))
        sessions = Sessions(target, target.session_feed(int(expected("create-session", 500) * seconds * MARGIN)),
                            threads=threads, connections=connections)
        figures.add_load(column, "create-session", sessions.make(seconds))
        buyers = target.buyers()
        orders = order_load(target, sessions, buyers, expected("create-order", sessions.rate),
                            threads=threads, connections=connections, seconds=seconds)
        figures.add_load(column, "create-order", orders, latency=True)
        figures.add(column, RSS, max(tools.worker_rss_mb(target.server.process.pid)))
        figures.add_load(column, "sequential create-order", order_load(
            target, sessions, buyers, expected("sequential create-order", orders.answered / orders.seconds),
            threads=1, connections=1, seconds=seconds), latency=True)
        figures.add(column, f"{scaling(opts.serve_workers)} rps", orders.rps)
    for workers in (count for count in opts.workers if count != opts.serve_workers):
        with running(work / f"workers-{workers}", "--workers", str(workers), *backend()) as target:
            sessions = Sessions(target, target.session_feed(int(expected("create-session", 500) * seconds)),
                                threads=threads, connections=connections)
            sessions.make(min(seconds, 5))
            buyers = target.buyers()
            figures.add_load(column, scaling(workers), order_load(
                target, sessions, buyers, expected(scaling(workers), sessions.rate),
                threads=threads, connections=connections, seconds=seconds))
    return work / f"workers-{opts.serve_workers}"


def prism_turn(figures: Figures, opts: Options, binary: Path, feeds: Path) -> None:
    """The same feeds against Prism (stateless: any session id and token will do, replays too)."""
    seconds, threads, connections = opts.seconds, opts.threads, opts.connections
    with tools.prism(binary, feeds, any_order()) as server:
        def run(feed: str, **shape: int) -> load.Load:
            return load.wrk(server.base_url, feeds / f"{feed}.feed", seconds=seconds, **shape)

        figures.add_load(PRISM, "issue-session-token", run("issue-session-token", threads=threads, connections=connections))
        figures.add_load(PRISM, "create-session", run("create-session", threads=threads, connections=connections))
        orders = run(f"create-order-c{connections}", threads=threads, connections=connections)
        figures.add_load(PRISM, "create-order", orders, latency=True)
        figures.add(PRISM, RSS, max(tools.worker_rss_mb(server.process.pid)))
        figures.add_load(PRISM, "sequential create-order", run(f"create-order-c{connections}", threads=1, connections=1),
                         latency=True)


def any_order() -> load.Request:
    return next(load.order_requests(["cs_any"], ["any-token"]))


# Launches.


class FirstOrder(MockServer):
    """A launch that counts as ready at its first successful create-order (on a fresh data dir)."""

    def _wait_ready(self, timeout: float = 60) -> None:
        try:
            self._first_order(time.monotonic() + timeout)
        except BaseException:
            self.stop()
            raise

    def _first_order(self, deadline: float) -> None:
        credentials = self.data_dir / "credentials.json"  # written, atomically, before the port is served
        while not credentials.is_file():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mock did not start: {self.log_tail()}")
            time.sleep(0.01)
        api = Api(self.base_url, self.credentials, timeout=deadline - time.monotonic())
        order = {"checkoutSessionId": api.create_session(), "buyerEmail": "b@example.com", "billingDetail": load.BILLING}
        response = api.create_order(order)
        if response.status_code != 200:
            raise RuntimeError(f"first create-order: {response.status_code} {response.text}")


def mock_launch(work: Path, backend: Callable[[], list[str]]) -> float:
    work.mkdir(parents=True)
    started = time.monotonic()
    server = FirstOrder.launch(work, *backend())
    elapsed = time.monotonic() - started
    server.stop()
    return elapsed


def prism_launch(binary: Path, work: Path) -> float:
    work.mkdir(parents=True)
    started = time.monotonic()
    server = tools.prism_server(binary, work)
    try:
        tools.first_200(server, any_order())
        return time.monotonic() - started
    finally:
        server.stop()


def launches(figures: Figures, work: Path, binary: Path, backends: dict[str, Callable[[], list[str]]]) -> None:
    for n in range(LAUNCHES):
        for column, backend in backends.items():
            figures.add(column, LAUNCH, mock_launch(work / f"launch-{n}-{column.replace(' ', '-')}", backend))
        figures.add(PRISM, LAUNCH, prism_launch(binary, work / f"launch-{n}-prism"))


# The table.


@dataclass
class Row:
    figure: str
    unit: str  # a format for the value
    target: str = ""  # a ratio to Prism, or a bound
    ratio: bool = True
    total: bool = False  # the sum over the rounds, not the median


def rows(opts: Options) -> list[Row]:
    return [
        Row("create-order rps", "{:,.0f}", "≥ 1.0×"),
        Row("create-order p50 ms", "{:,.1f}"),
        Row("create-order p99 ms", "{:,.1f}", "≤ 100 ms"),
        Row("create-session rps", "{:,.0f}", "≥ 1.0×"),
        Row("issue-session-token rps", "{:,.0f}", "≥ 1.0×"),
        Row("sequential create-order p50 ms", "{:,.2f}", "≤ 2.0×"),
        Row("sequential create-order rps", "{:,.0f}"),
        Row(LAUNCH, "{:,.2f}", "≤ 0.5×"),
        Row(RSS, "{:,.0f}", "≤ 100 MB"),
        *(Row(f"{scaling(n)} rps", "{:,.0f}", "grows with workers", ratio=False) for n in opts.workers),
        Row(NOT_OK, "{:,.0f}", "0", ratio=False, total=True),
    ]


def table(figures: Figures, opts: Options) -> str:
    mocks = [column for column in (MOCK, MOCK_PG) if column in figures.values]
    header = ["figure", *mocks, PRISM, *(f"ratio {'PostgreSQL' if m == MOCK_PG else 'mock'}/Prism" for m in mocks),
              "target"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows(opts):
        aggregate = sum if row.total else statistics.median
        cells = {column: aggregate(figures.values[column][row.figure])
                 for column in [*mocks, PRISM] if figures.values[column].get(row.figure)}
        shown = [row.unit.format(cells[column]) if column in cells else "" for column in [*mocks, PRISM]]
        ratios = [f"{cells[m] / cells[PRISM]:.2f}" if row.ratio and m in cells and cells.get(PRISM) else ""
                  for m in mocks]
        lines.append("| " + " | ".join([row.figure, *shown, *ratios, row.target]) + " |")
    return "\n".join(lines)


def describe(opts: Options) -> str:
    return (f"wrk -t{opts.threads} -c{opts.connections} -d{opts.seconds:g}s, {opts.rounds} interleaved round(s), "
            f"medians; mock with --workers {opts.serve_workers} unless the row says otherwise; "
            f"sequential: wrk -t1 -c1; launch: median of {LAUNCHES}, the mock with 1 worker on a fresh data dir")


# PostgreSQL.


def shared_postgres(cluster, work: Path) -> str:
    """Two mock processes on different ports, one database: a session made on one is ordered on the other."""
    url = cluster.new_database()
    (work / "a").mkdir(parents=True)
    (work / "b").mkdir()
    with MockServer.start(work / "a", "--database-url", url) as first, \
            MockServer.start(work / "b", "--database-url", url) as second:
        on_first = Api(first.base_url, first.credentials)
        on_second = Api(second.base_url, first.credentials)  # one team, one set of credentials
        token = on_first.issue_token()
        order = {"checkoutSessionId": on_first.create_session(), "buyerEmail": "b@example.com",
                 "billingDetail": load.BILLING}
        ordered = on_second.create_order(order, token)
        again = on_first.create_order(order, token)
    if ordered.status_code != 200:
        return f"fail: the session made on one mock got {ordered.status_code} on the other: {ordered.text[:300]}"
    if again.status_code == 200:
        return "fail: the same session was ordered twice, once on each mock"
    return f"ok (ordered on the second mock; the first then answers {again.status_code} for that session)"


@contextmanager
def postgres(enabled: bool) -> Iterator[object | None]:
    if not enabled:
        yield None
        return
    from postgres import Cluster  # tests/postgres.py: needs psycopg and the PostgreSQL server binaries
    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


# The run.


def measure(opts: Options, work: Path) -> Figures:
    tools.ensure_wrk()
    tools.serve_only_install()
    binary = tools.ensure_prism()
    figures = Figures()
    with postgres(opts.postgres) as cluster:
        backends: dict[str, Callable[[], list[str]]] = {MOCK: list}
        if cluster:
            backends[MOCK_PG] = lambda: ["--database-url", cluster.new_database()]
            figures.notes.append(f"two mocks sharing one PostgreSQL: {shared_postgres(cluster, work / 'shared-pg')}")
        launches(figures, work, binary, backends)
        for n in range(opts.rounds):
            print(f"round {n + 1} of {opts.rounds}", file=sys.stderr, flush=True)
            feeds = None
            for column, backend in backends.items():
                print(f"  {column}", file=sys.stderr, flush=True)
                feeds = mock_turn(figures, column, opts, work / f"round-{n}" / column.replace(" ", "-"), backend)
            print(f"  {PRISM}", file=sys.stderr, flush=True)
            prism_turn(figures, opts, binary, feeds)
    return figures


def options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 5 s loads, one round")
    parser.add_argument("--duration", type=float, help="seconds per load run (default 15, --quick 5)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3, --quick 1)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default %(default)s)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default %(default)s)")
    parser.add_argument("--serve-workers", type=int, default=os.cpu_count() or 1,
                        help="mock workers for the main figures (default: the core count, %(default)s)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts for create-order scaling (default %(default)s)")
    parser.add_argument("--postgres", action="store_true", help="also run the mock on a private PostgreSQL cluster")
    parser.add_argument("--large-store", type=int, nargs="?", const=1_000_000, metavar="N",
                        help="then bench/control_lists.py over N stored orders (default %(const)s)")
    args = parser.parse_args(argv)
    return Options(seconds=args.duration or (5 if args.quick else 15), rounds=args.rounds or (1 if args.quick else 3),
                   threads=args.threads, connections=args.connections, serve_workers=args.serve_workers,
                   workers=[int(n) for n in args.workers.split(",") if n], postgres=args.postgres,
                   large_store=args.large_store)


def main() -> None:
    opts = options()
    with tempfile.TemporaryDirectory(prefix="pancake-bench-") as work:
        figures = measure(opts, Path(work))
    print(describe(opts))
    print()
    print(table(figures, opts))
    print()
    for note in figures.notes:
        print(f"- {note}")
    if opts.large_store:
        print()
        control_lists.report(opts.large_store, min(opts.seconds, 10))


if __name__ == "__main__":
    main()

"""Where one worker's time goes under create-order load: py-spy samples the mock while wrk runs.

    .venv/bin/python bench/profile.py [--seconds 6] [--rate 100] [--top 30] [--workers 1]

Starts the mock (one worker by default) on a free 127.0.0.1 port with a fresh data dir, makes
sessions ahead with wrk, then runs `wrk -t2 -c32` create-order with a distinct session per request
while `py-spy record --gil` samples the serving process. Prints, for the functions of the mock and
of its libraries, the share of GIL samples in which each is on the stack (inclusive), and the
flame graph's path. py-spy is installed into this interpreter's environment when missing.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

import load
import tools
from target import Sessions, running


def ensure_py_spy() -> Path:
    binary = Path(sys.executable).with_name("py-spy")
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "py-spy"], check=True, timeout=600)
    return binary


def serving_pid(pid: int) -> int:
    """The process that answers: uvicorn's one worker process, or the server itself."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0]) if children else pid


def shares(collapsed: Path, top: int) -> list[tuple[float, str]]:
    """Inclusive share of samples per function (each counted once per stack)."""
    per_function: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for frame in set(stack.split(";")):
            per_function[frame] += int(count)
    return [(count / total, frame) for frame, count in per_function.most_common(top)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    tools.ensure_wrk()
    tools.serve_only_install()
    py_spy = ensure_py_spy()
    with tempfile.TemporaryDirectory(prefix="pancake-profile-") as work, \
            running(Path(work) / "mock", "--workers", str(args.workers)) as target:
        sessions = Sessions(target, target.session_feed(20000))
        sessions.make(4)
        # Made before sampling starts: a generous feed of distinct sessions.
        feed = target.feed("create-order", load.order_requests(sessions.take(int(3000 * args.seconds)), target.buyers()))
        collapsed = Path(work) / "profile.txt"
        spy = subprocess.Popen([str(py_spy), "record", "--nonblocking", "-r", str(args.rate), "-d",
                                str(int(args.seconds)), "-f", "raw", "-o", str(collapsed), "-p",
                                str(serving_pid(target.server.process.pid))],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        result = load.wrk(target.url, feed, threads=2, connections=32, seconds=args.seconds)
        spy.wait(timeout=args.seconds + 60)
        print(f"create-order: {result.rps:,.0f} rps, {result.not_ok} not 2xx (wrk -t2 -c32 -d{args.seconds:g}s)"
              + (", the feed ran out" if result.beyond_feed else ""))
        for share, frame in shares(collapsed, args.top):
            print(f"{share:6.1%}  {frame}")


if __name__ == "__main__":
    main()

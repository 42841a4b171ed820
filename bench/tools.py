"""What the bench runs besides the mock: wrk (from Debian) and Prism (from npm), set up on first use,
and the processes it starts, measured and always stopped."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from load import Request  # noqa: E402
from support import MockServer, free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "openapi" / "pancake.yaml"
PRISM_VERSION = "5.14.2"  # 5.15 and later need node 24
CACHE = Path(os.environ["XDG_CACHE_HOME"]) / "pancake-mock-bench" if os.environ.get("XDG_CACHE_HOME") \
    else ROOT / "bench" / ".cache"


def ensure_wrk() -> None:
    """Debian's wrk, installed with apt-get when missing (as .ci/run installs PostgreSQL)."""
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        sys.exit("wrk is not installed and this is not root: apt-get install wrk")
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        subprocess.run(command, check=True, timeout=600, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                       stdout=subprocess.DEVNULL)


def serve_only_install() -> None:
    """Start the mock from a venv of its own that holds what `pip install pancake-mock` installs and
    nothing else, as a deployed mock runs. In .venv the test tools sit beside it, and one of them
    (schemathesis' rich) is imported by httpx whenever it is present: 3 MB and a tenth of a launch
    that a serving mock never needs. The install is editable, so it serves this tree's code."""
    venv = CACHE / "serve-venv"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    stale = not marker.exists() or any(marker.stat().st_mtime < (ROOT / name).stat().st_mtime
                                       for name in ("pyproject.toml", "constraints.txt"))
    if stale:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--constraint", str(ROOT / "constraints.txt"),
                        "--editable", str(ROOT)], check=True, timeout=900)
        marker.touch()
    MockServer.interpreter = str(python)


def ensure_prism() -> Path:
    """Prism's CLI from npm into the cache, once per version."""
    prefix = CACHE / f"prism-{PRISM_VERSION}"
    binary = prefix / "node_modules" / ".bin" / "prism"
    if not binary.is_file():
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("npm is not on PATH: Prism's comparison needs Node.js >= 20 with npm")
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error",
                        f"@stoplight/prism-cli@{PRISM_VERSION}"], check=True, timeout=600)
    return binary


def prism_server(binary: Path, log_dir: Path) -> MockServer:
    """Prism in its fastest mode (static examples, no logging, NODE_ENV=production), as a MockServer:
    the same process handling (stop, log_tail) fits it."""
    port = free_port()
    command = [str(binary), "mock", str(CONTRACT), "--host", "127.0.0.1", "--port", str(port), "-v", "silent"]
    with (log_dir / f"server-{port}.log").open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                   env={**os.environ, "NODE_ENV": "production"})
    return MockServer(f"http://127.0.0.1:{port}", log_dir, process, port)


def first_200(server: MockServer, request: Request, *, timeout: float = 60) -> None:
    """Return once the server answers `request` with a 200, polling every 10 ms."""
    path, headers, body = request
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.process.args[0]} exited with {server.process.returncode}: {server.log_tail()}")
        try:
            if httpx.post(server.base_url + path, headers=headers, content=body, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{server.base_url}{path} gave no 200 within {timeout}s: {server.log_tail()}")


@contextmanager
def prism(binary: Path, log_dir: Path, ready: Request) -> Iterator[MockServer]:
    """A running Prism, once it answers `ready` with a 200."""
    server = prism_server(binary, log_dir)
    try:
        first_200(server, ready)
        yield server
    finally:
        server.stop()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def worker_rss_mb(pid: int) -> list[float]:
    """RSS of each serving process: uvicorn's spawned workers, or the process itself when it has none."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    workers = [int(child) for child in children
               if b"multiprocessing.spawn" in Path(f"/proc/{child}/cmdline").read_bytes()]
    return [_rss_mb(worker) for worker in workers or [pid]]

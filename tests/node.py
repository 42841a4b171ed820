"""Node.js for the tests: the official SDK installed once in tests/sdk, and node runs that cannot hang."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

SDK_DIR = Path(__file__).parent / "sdk"
LOCK = SDK_DIR / "package-lock.json"
NODE_MODULES = SDK_DIR / "node_modules"
SDK_PACKAGE = NODE_MODULES / "@waffo" / "pancake-ts" / "package.json"
NPM_TIMEOUT = 300

needs_node = pytest.mark.skipif(
    shutil.which("node") is None and not os.environ.get("CI"),
    reason="node is not on PATH: the TypeScript SDK tests need Node.js >= 20",
)


def run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float) -> tuple[int, str]:
    """Run in a process group of its own, so a timeout also ends the children (node --test forks per file)."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"{' '.join(command)} did not finish within {timeout}s; output so far:\n{output}", pytrace=False)
    return process.returncode, output


def _node_modules_stale() -> bool:
    if not SDK_PACKAGE.is_file():
        return True
    # npm rewrites node_modules/.package-lock.json on every install; the directory itself is new after `npm ci`.
    installed = max(path.stat().st_mtime for path in (NODE_MODULES, NODE_MODULES / ".package-lock.json") if path.exists())
    return installed < LOCK.stat().st_mtime


def install_sdk() -> None:
    # pytest-xdist workers may get here together; one installs, the others wait and find it done.
    with open(SDK_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _node_modules_stale():
            _npm_ci()


def _npm_ci() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("node is on PATH but npm is not: cannot install tests/sdk (npm ci)", pytrace=False)
    code, output = run([npm, "ci", "--no-audit", "--no-fund"], cwd=SDK_DIR, timeout=NPM_TIMEOUT)
    if code != 0:
        pytest.fail(f"npm ci in {SDK_DIR} failed with exit code {code}:\n{output}", pytrace=False)
    assert SDK_PACKAGE.is_file(), f"npm ci succeeded but {SDK_PACKAGE} is missing:\n{output}"

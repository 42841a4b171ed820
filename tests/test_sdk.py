"""End to end with the official TypeScript SDK: `node --test tests/sdk/` against a mock of our own.

tests/sdk pins `@waffo/pancake-ts` 0.25.0 (package-lock.json) and drives the mock with it,
unmodified: signed merchant calls, session tokens, products, checkout sessions, then create-order
over raw fetch and the control plane to see what was stored. Skipped only when `node` is absent
on a developer's machine; in CI (CI set) a missing node fails the run.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from support import MockServer

SDK_DIR = Path(__file__).parent / "sdk"
LOCK = SDK_DIR / "package-lock.json"
NODE_MODULES = SDK_DIR / "node_modules"
SDK_PACKAGE = NODE_MODULES / "@waffo" / "pancake-ts" / "package.json"
NODE_TIMEOUT = 300
NPM_TIMEOUT = 300

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None and not os.environ.get("CI"),
    reason="node is not on PATH: the TypeScript SDK tests need Node.js >= 20",
)


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float) -> tuple[int, str]:
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


def _install_sdk() -> None:
    # pytest-xdist workers may get here together; one installs, the others wait and find it done.
    with open(SDK_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _node_modules_stale():
            _npm_ci()


def _npm_ci() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("node is on PATH but npm is not: cannot install tests/sdk (npm ci)", pytrace=False)
    code, output = _run([npm, "ci", "--no-audit", "--no-fund"], cwd=SDK_DIR, timeout=NPM_TIMEOUT)
    if code != 0:
        pytest.fail(f"npm ci in {SDK_DIR} failed with exit code {code}:\n{output}", pytrace=False)
    assert SDK_PACKAGE.is_file(), f"npm ci succeeded but {SDK_PACKAGE} is missing:\n{output}"


def _node_tests(tmp_path: Path, test_files: list[Path]) -> None:
    """`node --test` on these files against a mock of their own."""
    with MockServer.start(tmp_path) as server:
        env = {
            **os.environ,
            "PANCAKE_BASE_URL": server.base_url,
            "PANCAKE_CREDENTIALS": str(tmp_path / "credentials.json"),
        }
        env.pop("NODE_TEST_CONTEXT", None)  # set when pytest itself runs under node --test; it would hijack the reporter
        # Explicit files rather than the directory: Node 20 and Node >= 21 read a directory argument differently.
        command = ["node", "--test", "--test-reporter=spec", *(str(path.relative_to(SDK_DIR)) for path in test_files)]
        code, output = _run(command, cwd=SDK_DIR, env=env, timeout=NODE_TIMEOUT)
        server_log = server.log_tail()

    if code != 0:
        pytest.fail(f"{' '.join(command)} (in {SDK_DIR}) exited with {code}:\n{output}\n"
                    f"--- mock log (tail) ---\n{server_log}", pytrace=False)


def test_official_typescript_sdk_against_the_mock(tmp_path: Path) -> None:
    _install_sdk()
    test_files = sorted(SDK_DIR.glob("*.test.mjs"))
    assert test_files, f"no *.test.mjs in {SDK_DIR}"
    _node_tests(tmp_path, test_files)


def test_official_typescript_sdk_through_business_time(tmp_path: Path) -> None:
    """The files that move the business clock (tests/sdk/clock/), against a mock no other test uses:
    a year ahead would expire every other file's tokens."""
    _install_sdk()
    test_files = sorted((SDK_DIR / "clock").glob("*.test.mjs"))
    assert test_files, f"no *.test.mjs in {SDK_DIR / 'clock'}"
    _node_tests(tmp_path, test_files)

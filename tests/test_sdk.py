"""End to end with the official TypeScript SDK: `node --test tests/sdk/` against a mock of our own.

tests/sdk pins `@waffo/pancake-ts` 0.25.0 (package-lock.json) and drives the mock with it,
unmodified: signed merchant calls, session tokens, products, checkout sessions, then create-order
over raw fetch and the control plane to see what was stored. Skipped only when `node` is absent
on a developer's machine; in CI (CI set) a missing node fails the run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from node import SDK_DIR, install_sdk, needs_node, run
from support import MockServer

NODE_TIMEOUT = 300

pytestmark = needs_node


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
        code, output = run(command, cwd=SDK_DIR, env=env, timeout=NODE_TIMEOUT)
        server_log = server.log_tail()

    if code != 0:
        pytest.fail(f"{' '.join(command)} (in {SDK_DIR}) exited with {code}:\n{output}\n"
                    f"--- mock log (tail) ---\n{server_log}", pytrace=False)


def test_official_typescript_sdk_against_the_mock(tmp_path: Path) -> None:
    install_sdk()
    test_files = sorted(SDK_DIR.glob("*.test.mjs"))
    assert test_files, f"no *.test.mjs in {SDK_DIR}"
    _node_tests(tmp_path, test_files)


def test_official_typescript_sdk_through_business_time(tmp_path: Path) -> None:
    """The files that move the business clock (tests/sdk/clock/), against a mock no other test uses:
    a year ahead would expire every other file's tokens."""
    install_sdk()
    test_files = sorted((SDK_DIR / "clock").glob("*.test.mjs"))
    assert test_files, f"no *.test.mjs in {SDK_DIR / 'clock'}"
    _node_tests(tmp_path, test_files)

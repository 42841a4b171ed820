"""Every HTTP test drives a real mock: `pancake-mock serve` on a free loopback port, over the
default SQLite store and over PostgreSQL."""

from __future__ import annotations

import os

import pytest

import browser
import postgres
from support import SUMMARY, MockServer

pytest_plugins = ["pytester"]

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def pg_cluster():
    if not postgres.available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing: CI must test the PostgreSQL store")
        pytest.skip("PostgreSQL server binaries (initdb) are not installed")
    cluster = postgres.Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def backend_args(request):
    """Extra `serve` arguments selecting a store: a fresh PostgreSQL database per call."""

    def make(backend: str) -> list[str]:
        if backend == "sqlite":
            return []
        return ["--database-url", request.getfixturevalue("pg_cluster").new_database()]

    return make


@pytest.fixture(scope="session", params=BACKENDS)
def server(request, tmp_path_factory, backend_args) -> MockServer:
    with MockServer.start(tmp_path_factory.mktemp(f"mock-{request.param}"), *backend_args(request.param)) as running:
        yield running


@pytest.fixture
def api(server):
    """A client on a freshly reset mock: every test starts from the seeded state."""
    client = server.client()
    client.reset()
    return client


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """A headless Chromium for a module's page tests (tests/browser.py)."""
    if not browser.available():
        if os.environ.get("CI"):
            pytest.fail(browser.missing_reason() + ": CI must run the page tests")
        pytest.skip(browser.missing_reason())
    driver = browser.start(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def pytest_terminal_summary(terminalreporter) -> None:
    """What tests recorded as SUMMARY, each under its test's name, below the progress lines
    (printed from inside a test, it would interleave with them)."""
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            for name, text in getattr(report, "user_properties", ()):
                if name == SUMMARY and report.when == "call":
                    terminalreporter.write_sep("-", report.nodeid)
                    terminalreporter.write_line(text.rstrip())

"""The pytest plugin, registered through the `pytest11` entry point: installing pancake-mock is enough.

Fixtures:
  pancake_mock      a real mock on a free loopback port in a temporary data dir, started once per
                    session (once per worker under pytest-xdist, so workers never share a world):
                    a `pancake_mock.testing.PancakeMock`, its control plane as methods
  pancake_tenant    a fresh tenant of that mock for one test, deleted after it: a world of its own
                    (merchant, keys, ids, clock, PSP faults, journals), safe beside any other test
  pancake_merchant  the signed merchant client of a fresh tenant (`pancake_tenant.merchant`)

Options, on the command line or as ini keys (pytest.ini, pyproject's [tool.pytest.ini_options]):
  --pancake-mock-seed / pancake_mock_seed                        fixtures and ids (default 0)
  --pancake-mock-tax-rates / pancake_mock_tax_rates              a rates.toml of one's own
  --pancake-mock-seller-country / pancake_mock_seller_country    where the merchant of record is established
  --pancake-mock-database-url / pancake_mock_database_url        PostgreSQL instead of SQLite
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .testing import MockProcess, PancakeMock, Tenant
from .verify.client import Api

OPTIONS = {  # option: (serve's flag, help)
    "seed": ("--seed", "the seed of the mock's fixtures and ids (default 0)"),
    "tax_rates": ("--tax-rates", "a rates.toml to use instead of the packaged one"),
    "seller_country": ("--seller-country", "ISO code where the merchant of record is established"),
    "database_url": ("--database-url", "a PostgreSQL URL for the mock's store instead of a SQLite file"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pancake-mock", "pancake-mock: a local Waffo Pancake API for tests")
    for name, (_flag, text) in OPTIONS.items():
        group.addoption("--pancake-mock-" + name.replace("_", "-"), dest="pancake_mock_" + name, help=text)
        parser.addini("pancake_mock_" + name, text)


def _serve_arguments(config: pytest.Config) -> list[str]:
    arguments = []
    for name, (flag, _text) in OPTIONS.items():
        value = config.getoption("pancake_mock_" + name) or config.getini("pancake_mock_" + name)
        if value:
            if name == "tax_rates":  # relative to the project, as pytest.ini sits there
                value = str((config.rootpath / value).resolve())
            arguments += [flag, str(value)]
    return arguments


@pytest.fixture(scope="session")
def pancake_mock(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PancakeMock]:
    data_dir: Path = tmp_path_factory.mktemp("pancake-mock")
    with MockProcess.start(data_dir, *_serve_arguments(request.config)) as process:
        yield PancakeMock(process)


@pytest.fixture
def pancake_tenant(pancake_mock: PancakeMock) -> Iterator[Tenant]:
    tenant = pancake_mock.new_tenant()
    yield tenant
    tenant.delete()


@pytest.fixture
def pancake_merchant(pancake_tenant: Tenant) -> Api:
    return pancake_tenant.merchant

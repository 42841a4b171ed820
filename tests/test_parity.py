"""`pancake-mock verify --parity`: the scenario suite against two targets, their answers compared.

Two mocks of different seeds (other ids, names, prices, keys) answer alike; a mock with one error
message changed (tests/broken_mock.py) is told apart by scenario, exchange and JSON path.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from pancake_mock import cli
from pancake_mock.verify import PARITY_CREDENTIALS, PARITY_FUZZ, ONE_CREDENTIALS
from pancake_mock.verify.parity import Catalog, Exchange, Normaliser, Run, differences
from support import MockServer, broken, free_port

BASE = "http://127.0.0.1:8750"
STATE_SCENARIO = "create-order 400 State is required for US/CA"


def _parity(a: MockServer, b: MockServer, workdir: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pancake_mock", "verify", "--parity", a.base_url, b.base_url,
               "--credentials", str(a.data_dir / "credentials.json"),
               "--credentials", str(b.data_dir / "credentials.json"), "--junit-xml", str(workdir / "parity.xml")]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=300)


def _verdicts(stdout: str) -> dict[str, str]:
    """Scenario name -> `same` or `DIFFERENT`, from the comparison's lines."""
    return {line[11:].split("  (both")[0]: line[:9].strip() for line in stdout.splitlines()
            if line.startswith(("same ", "DIFFERENT "))}


def _parity_suite(workdir: Path) -> ET.Element:
    [suite] = [s for s in ET.parse(workdir / "parity.xml").getroot() if s.get("name") == "parity"]
    return suite


def test_two_mocks_of_different_seeds_answer_alike(tmp_path):
    with MockServer.start(tmp_path / "a") as a, MockServer.start(tmp_path / "b", "--seed", "5") as b:
        assert a.credentials["stores"][0]["name"] != b.credentials["stores"][0]["name"]
        result = _parity(a, b, tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    verdicts = _verdicts(result.stdout)
    assert len(verdicts) >= 20 and set(verdicts.values()) == {"same"}, result.stdout[-6000:]
    assert "control plane: both have one at /_mock" in result.stdout
    assert f"parity SAME: 0 of {len(verdicts)} scenarios differ, spec gate ok" in result.stdout
    suite = _parity_suite(tmp_path)
    assert [case.get("name") for case in suite] == list(verdicts)
    assert suite.get("tests") == str(len(verdicts)) and suite.get("failures") == "0"


def test_a_changed_error_message_is_named_by_scenario_exchange_and_path(tmp_path):
    with MockServer.start(tmp_path / "a") as a, broken("message-changed").start(tmp_path / "b") as b:
        result = _parity(a, b, tmp_path)
    assert result.returncode == 1, result.stdout[-6000:] + result.stderr[-3000:]
    verdicts = _verdicts(result.stdout)
    assert [name for name, verdict in verdicts.items() if verdict == "DIFFERENT"] == [STATE_SCENARIO]
    found = result.stdout[result.stdout.index(f"DIFFERENT  {STATE_SCENARIO}"):].splitlines()[1:4]
    assert found == [
        "    outcome: A passed vs B failed",
        '    exchange 3 POST /v1/actions/onetime-order/create-order: errors[0].message: '
        'A "State is required for US/CA" vs B "State required for US and Canada"',
        "    exchange 4: request: A POST /v1/actions/checkout/create-session vs B (none)",
    ], result.stdout[-3000:]
    assert f"parity DIFFERENT: 1 of {len(verdicts)} scenarios differ" in result.stdout
    suite = _parity_suite(tmp_path)
    assert suite.get("failures") == "1"
    [failed] = [case for case in suite if case.find("failure") is not None]
    assert failed.get("name") == STATE_SCENARIO
    assert "errors[0].message" in failed.find("failure").text
    assert failed.find("failure").get("message") == "outcome: A passed vs B failed"


def test_an_unreachable_target_exits_2_with_one_credentials_file_for_both(tmp_path):
    with MockServer.start(tmp_path / "a") as a:
        nobody = f"http://127.0.0.1:{free_port()}"
        result = subprocess.run([sys.executable, "-m", "pancake_mock", "verify", "--parity", a.base_url, nobody,
                                 "--credentials", str(a.data_dir / "credentials.json")],
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"pancake-mock verify: cannot use {nobody}: " in result.stderr
    assert f"cannot use {a.base_url}" not in result.stderr


@pytest.mark.parametrize(("arguments", "message"), [
    (["--parity", BASE, BASE, "--credentials", "a.json", "--credentials", "b.json", "--credentials", "c.json"],
     f"{PARITY_CREDENTIALS}; got 3"),
    (["--base-url", BASE, "--credentials", "a.json", "--credentials", "b.json"], f"{ONE_CREDENTIALS}; got 2"),
    (["--parity", BASE, BASE, "--credentials", "a.json", "--seed", "3"], PARITY_FUZZ),
    (["--parity", BASE, BASE, "--base-url", BASE, "--credentials", "a.json"],
     "argument --base-url: not allowed with argument --parity"),
], ids=["three-credentials", "two-for-one-target", "seed", "both-targets"])
def test_usage_errors_exit_2_with_a_clear_message(arguments, message, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["verify", *arguments])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("usage: pancake-mock verify") and error.endswith(f"error: {message}\n"), error


# The normaliser and the comparison, on answers written here.

def test_ids_are_numbered_per_prefix_in_first_seen_order_whatever_the_key_order():
    order, payment = "ORD_05n7alR0iGcsEQ94IgCZ0N", "PAY_4zEBE7Ml3JZwPQEJ2q6gDr"
    other = "ORD_2aUyqjCzEIiEcYMKj7TZtw"
    normaliser = Normaliser(BASE)
    assert normaliser.text(f"/_mock/orders/{order}/pay") == "/_mock/orders/<ORD_1>/pay"
    body = {"payment": {"orderId": order, "id": payment}, "order": {"id": other}}
    assert normaliser.value(body) == {"order": {"id": "<ORD_2>"}, "payment": {"id": "<PAY_1>", "orderId": "<ORD_1>"}}
    written_otherwise = {"order": {"id": other}, "payment": {"id": payment, "orderId": order}}
    fresh = Normaliser(BASE)
    fresh.text(f"/_mock/orders/{order}/pay")
    assert fresh.value(written_otherwise) == normaliser.value(body)
    session = "cs_550e8400-e29b-41d4-a716-446655440000"
    assert Normaliser(BASE).value([session, "27e0554a-8294-408b-9369-64da509b7e4b", session]) == \
        ["<cs_1>", "<uuid_1>", "<cs_1>"]


@pytest.mark.parametrize(("text", "normalised"), [
    ("2026-12-08T05:48:07.198Z", "<time>"),
    ("2026-12-08T05:48:07+01:00", "<time>"),
    ("renewed-2026-01-31", "renewed-2026-01-31"),  # a date alone is not volatile
    (f"{BASE}/psp/checkout/YKHqXp2yCYDDKV_QZxYHTZeb", "<base>/psp/checkout/<token>"),
    (f"{BASE}/store/acme-8n9s2f/checkout/cs_550e8400-e29b-41d4-a716-446655440000?lang=en",
     "<base>/store/acme-8n9s2f/checkout/<cs_1>?lang=en"),
    (f"{BASE}0/v1/x", "<url>"),  # another port
    ("https://shop.example/thanks?orderId=ORD_05n7alR0iGcsEQ94IgCZ0N", "<url>"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJ4In0.c2lnbmF0dXJl", "<token>"),
    ("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqh\n-----END PUBLIC KEY-----\n", "<token>\n"),
    ("verify onetime af388b", "verify onetime <hex>"),
    ("verify.5c26d6@example.com", "verify.<hex>@example.com"),
    ("111.99", "111.99"),
    ("16799", "16799"),  # an amount, even one that looks like hex
    ("State is required for US/CA", "State is required for US/CA"),
    ("not_subject_to_tax", "not_subject_to_tax"),
])
def test_what_varies_becomes_a_placeholder_and_the_rest_stays(text, normalised):
    assert Normaliser(BASE).text(text) == normalised


def _exchange(body, status=200, path="/v1/actions/onetime-order/create-order") -> Exchange:
    return Exchange("POST", path, status, Normaliser(BASE).value(body))


NO_CATALOG = Catalog({"stores": []}, str)


def _run(*exchanges: Exchange, outcome: str = "passed", catalog: Catalog = NO_CATALOG) -> Run:
    return Run(outcome, list(exchanges), catalog)


def test_differences_name_the_exchange_and_the_path():
    ours = {"data": None, "errors": [{"message": "Invalid JSON body", "layer": "gateway"}]}
    theirs = {"data": None, "errors": [{"message": "Invalid JSON", "layer": "order"}], "code": 7}
    assert differences(_run(_exchange(ours, 400)), _run(_exchange(ours, 400))) == []
    where = "exchange 1 POST /v1/actions/onetime-order/create-order"
    assert differences(_run(_exchange(ours, 400)), _run(_exchange(theirs, 422))) == [
        f"{where}: status: A 400 vs B 422",
        f"{where}: code: A (absent) vs B 7",
        f'{where}: errors[0].layer: A "gateway" vs B "order"',
        f'{where}: errors[0].message: A "Invalid JSON body" vs B "Invalid JSON"',
    ]


def test_shapes_and_values_that_are_not_volatile_compare():
    paid = {"data": {"status": "completed", "total": "10.00", "currency": "USD", "trialDays": 7, "lines": []}}
    other = {"data": {"status": "pending", "total": "10.0", "currency": "EUR", "trialDays": "7", "lines": [{}]}}
    where = "exchange 1 POST /v1/actions/onetime-order/create-order"
    assert differences(_run(_exchange(paid)), _run(_exchange(other))) == [
        f'{where}: data.currency: A "USD" vs B "EUR"',
        f"{where}: data.lines[0]: A (absent) vs B {{}}",
        f'{where}: data.status: A "completed" vs B "pending"',
        f'{where}: data.total: A "10.00" vs B "10.0"',
        f'{where}: data.trialDays: A 7 vs B "7"',
    ]
    assert differences(_run(_exchange({"data": {"ok": True}})), _run(_exchange({"data": {"ok": 1}}))) == [
        f"{where}: data.ok: A true vs B 1"]


def test_the_runs_part_ways_at_the_first_other_request_and_outcomes_compare():
    session = _exchange({"data": {}}, path="/v1/actions/checkout/create-session")
    order = _exchange({"data": {}})
    assert differences(_run(session, order), _run(session, outcome="failed")) == [
        "outcome: A passed vs B failed",
        "exchange 2: request: A POST /v1/actions/onetime-order/create-order vs B (none)",
    ]
    assert differences(_run(order, session), _run(session, session)) == [
        "exchange 1: request: A POST /v1/actions/onetime-order/create-order vs B POST /v1/actions/checkout/create-session",
    ]


def _catalog(name: str, slug: str, usd: str) -> Catalog:
    product = {"type": "onetime", "name": f"{name} product", "prices": {"USD": {"amount": usd, "taxCategory": "saas"}}}
    return Catalog({"stores": [{"name": name, "slug": slug, "products": [product]}]}, Normaliser(BASE).text)


def test_a_targets_own_catalog_matches_the_other_targets_at_the_same_place():
    mock, staging = _catalog("Mock", "mock-8n9s2f", "111.99"), _catalog("Staging", "staging-k2p", "49.00")
    ours = {"price": "111.99", "url": f"{BASE}/store/mock-8n9s2f/checkout", "name": "Mock product"}
    theirs = {"price": "49.00", "url": f"{BASE}/store/staging-k2p/checkout", "name": "Staging product"}
    assert differences(_run(_exchange(ours), catalog=mock), _run(_exchange(theirs), catalog=staging)) == []
    # Not the same place (a store's name against a product's), or not the catalog's at all: compared.
    assert differences(_run(_exchange({"name": "Mock"}), catalog=mock),
                       _run(_exchange({"name": "Staging product"}), catalog=staging)) == [
        'exchange 1 POST /v1/actions/onetime-order/create-order: name: A "Mock" vs B "Staging product"']
    assert differences(_run(_exchange({"price": "12.00"}), catalog=mock),
                       _run(_exchange({"price": "49.00"}), catalog=staging)) != []

"""`pancake-mock verify` is the CI gate, and it can fail.

The real mock passes it; each deliberately broken variant (tests/broken_mock.py) is caught, by
the name of the scenario or check that should catch it. Runs go two at a time: each is a mock
and a verify process, and the machine has two cores.
"""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from pancake_mock.verify import contracts, fuzz, scenarios
from pancake_mock.verify.client import Api
from pancake_mock.verify.report import Reproduction
from support import SUMMARY, MockServer, broken

SEED = 7
# Variant -> what must appear in verify's output: the failing scenario or check, by name.
CAUGHT_BY = {
    "email-not-normalized": "FAILED  email normalization: trim().toLowerCase() before storage, write-back and PSP",
    "auth-ignored": "FAILED  merchant signature: unsigned, foreign-key and tampered requests are refused",
    "message-changed": "FAILED  create-order 400 State is required for US/CA",
    "psp-500-no-rollback": "FAILED  create-order 500 Internal server error, and the order is rolled back",
    "echo-input": "[schemathesis] error_envelope on",
}


def _verify(server: MockServer, workdir: Path, max_examples: int, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pancake_mock", "verify", "--base-url", server.base_url,
               "--credentials", str(server.data_dir / "credentials.json"),
               "--max-examples", str(max_examples), "--seed", str(SEED), *extra]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=600)


def _run(root: Path, variant: str | None) -> tuple[subprocess.CompletedProcess, Path]:
    name = variant or "real"
    data_dir, workdir = root / f"{name}-data", root / f"{name}-work"
    workdir.mkdir()
    if variant is None:
        with MockServer.start(data_dir) as server:
            return _verify(server, workdir, 15, "--require-coverage", "--junit-xml", str(workdir / "report.xml")), workdir
    with broken(variant).start(data_dir) as server:
        return _verify(server, workdir, 5, *(("--require-coverage",) if variant == "message-changed" else ())), workdir


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str | None, Future]:
    root = tmp_path_factory.mktemp("verify")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {variant: pool.submit(_run, root, variant) for variant in (None, *CAUGHT_BY, "no-control-plane")}
        yield futures


def test_the_real_mock_passes(runs, record_property):
    result, workdir = runs[None].result()
    # The CI log shows the gate's summary even when it passes, after pytest's progress lines.
    record_property(SUMMARY, result.stdout[result.stdout.index("scenarios:"):])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    passed = re.search(r"verify PASSED: (\d+) cases, 0 failures", result.stdout)
    assert passed and int(passed.group(1)) > 500
    assert "statuses seen" in result.stdout and "spec gate ok" in result.stdout
    assert " 0 skipped" in result.stdout  # the mock has a control plane: every scenario ran
    # Every documented success status and every seed row was answered at least once.
    assert "coverage 0 gaps" in result.stdout and "COVERAGE GAP" not in result.stdout
    table = result.stdout[result.stdout.index("coverage: operation"):]
    assert re.search(r"^POST /v1/actions/onetime-order/create-order +200×\d+ 400×\d+", table, re.M), table[:3000]
    suites = ET.parse(workdir / "report.xml").getroot()
    assert suites.find("testsuite[@name='coverage']/testcase/failure") is None
    assert sum(int(suite.get("tests")) for suite in suites) > 20
    assert all(suite.get("failures") == "0" for suite in suites)
    assert not (workdir / ".schemathesis").exists() and not (workdir / ".hypothesis").exists()


@pytest.mark.parametrize("variant", list(CAUGHT_BY))
def test_a_broken_mock_is_caught_by_name(runs, variant):
    result, _ = runs[variant].result()
    assert result.returncode == 1, result.stdout[-6000:] + result.stderr[-3000:]
    assert CAUGHT_BY[variant] in result.stdout, result.stdout[-6000:]
    assert "regenerate this run with: " in result.stdout and f"--seed {SEED}" in result.stdout


def test_a_seed_row_never_answered_is_a_coverage_gap(runs):
    result, _ = runs["message-changed"].result()
    gap = "COVERAGE GAP: never answered: POST /v1/actions/onetime-order/create-order 400 'State is required for US/CA' (seed row)"
    assert gap in result.stdout, result.stdout[-6000:]
    assert re.search(r"^ +- +400 State is required for US/CA$", result.stdout, re.M), result.stdout[-3000:]


def test_a_deployment_without_control_plane_passes_with_those_scenarios_skipped(runs):
    result, _ = runs["no-control-plane"].result()
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "control plane: none (those scenarios are skipped)" in result.stdout
    skipped = re.search(r"scenarios (\d+) passed / 0 failed / (\d+) skipped", result.stdout)
    assert skipped and int(skipped.group(2)) >= 2, result.stdout[-3000:]
    assert "needs the mock's control plane (/_mock); this target has none" in result.stdout


def test_safe_mode_only_creates_fresh_resources_at_a_bounded_rate(server):
    api = Api(server.base_url, server.credentials)
    schema = fuzz.build_schema(api, seed=SEED, max_examples=1, safe=True)
    tested = {operation.ok().definition.raw["operationId"] for operation in schema.get_all_operations()}
    assert tested <= set(fuzz.SAFE_OPERATIONS) and "createOnetimeOrder" in tested
    assert not {"createOnetimeProduct", "updateOnetimeProduct"} & tested
    assert schema.config.rate_limit is not None
    contracts.load("scenarios")
    shared = [s for s in scenarios.REGISTRY if s.shared_state]
    assert shared, "the PSP fault scenario changes the mock's shared fault plan"
    for item in shared:
        assert scenarios._run_one(item, scenarios.Context(api, safe=True)).outcome == "skipped"


def test_reproductions_never_show_secrets():
    shown = Reproduction.of("POST", "http://host/v1/x?a=1", {
        "X-Signature": "c2ln", "Authorization": "Bearer eyJ", "X-Merchant-Id": "MER_x", "X-Environment": "test",
    }, b'{"a": 1}')
    text = "\n".join(shown.lines())
    assert "c2ln" not in text and "eyJ" not in text and "MER_x" not in text
    assert "POST /v1/x?a=1" in text and "X-Environment: test" in text and '{"a": 1}' in text


def test_changes_in_place_never_reach_the_stores_and_products_verify_sells_from(server):
    # Schemathesis draws ids from earlier answers: a delete-store once got the seeded store's id,
    # and every later scenario failed with 404 "Store not found".
    api = Api(server.base_url, server.credentials)
    hooks = contracts.load("hooks")
    store, product, plan = api.stores[0], api.product("onetime"), api.product("subscription")
    changes = [("deleteStore", "/v1/actions/store/delete-store", {"id": store["id"]}),
               ("updateOnetimeProductStatus", "/v1/actions/onetime-product/update-status",
                {"id": product["id"], "status": "inactive"}),
               ("updateSubscriptionProductStatus", "/v1/actions/subscription-product/update-status",
                {"id": plan["id"], "status": "inactive"})]
    for name, path, body in changes:
        sent = hooks.stand_in(api, name, body)
        assert sent["id"] != body["id"] and {**sent, "id": body["id"]} == body
        assert api.signed(path, sent).status_code == 200, name
    # Each stand-in was a real store or product (its change answered 200); the originals still sell.
    api.create_order({"checkoutSessionId": api.create_session(product["id"]), "buyerEmail": "b@example.com",
                      "billingDetail": {"country": "DE", "isBusiness": False}}).raise_for_status()
    api.create_session(plan["id"])
    assert hooks.stand_in(api, "createOnetimeProduct", {"id": store["id"]}) == {"id": store["id"]}
    assert hooks.stand_in(api, "deleteStore", {"id": "STO_unknown"}) == {"id": "STO_unknown"}

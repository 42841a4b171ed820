"""verify's coverage: answers counted per documented operation and status, seed rows by their
exact message, and the gaps `--require-coverage` fails on."""

from __future__ import annotations

import json

import requests

from pancake_mock import contract
from pancake_mock.verify.coverage import CREATE_ORDER, Coverage, documented, labels

BASE = "http://127.0.0.1:8750/t/TEN_x"
TOKEN = "POST /v1/actions/auth/issue-session-token"


def answer(operation: str, status: int, body: object = None, base: str = BASE) -> requests.Response:
    method, path = operation.split(" ", 1)
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.request = requests.Request(method, base + path).prepare()
    return response


def error(message: str) -> dict:
    return {"data": None, "errors": [{"message": message, "layer": "order"}]}


def covered_everything() -> Coverage:
    coverage = Coverage.of(BASE)
    for operation, statuses in documented().items():
        for status in statuses:
            if 200 <= status < 300:
                coverage.observe(answer(operation, status, {"data": {}}))
    for status, message in contract.SEED_ERRORS:
        coverage.observe(answer(CREATE_ORDER, status, error(message)))
    return coverage


def test_the_contract_documents_every_operation_with_its_statuses():
    assert documented()[CREATE_ORDER] == (200, 400, 401, 403, 409, 413, 415, 500)
    assert 200 not in documented()["POST /v1/actions/store-merchant/add-merchant"]  # 501 only: no success to require
    assert labels(["createOnetimeOrder", "graphqlQuery"]) == {CREATE_ORDER, "POST /v1/graphql"}


def test_answers_count_per_operation_and_status_under_the_base_path():
    coverage = Coverage.of(BASE)
    for status in (200, 200, 401):
        coverage.observe(answer(TOKEN, status, {}))
    coverage.observe(answer("POST /_mock/reset", 200, {}))  # the control plane is not the API contract
    coverage.observe(answer(TOKEN, 200, {}, base="http://elsewhere"))  # another base: not this target's path
    assert coverage.answers == {(TOKEN, 200): 2, (TOKEN, 401): 1}
    line = next(line for line in coverage.table() if line.startswith(TOKEN))
    assert "200×2" in line and "401×1" in line and "404×-" in line


def test_a_seed_row_counts_only_with_its_exact_status_and_message():
    coverage = Coverage.of(BASE)
    coverage.observe(answer(CREATE_ORDER, 400, error("State is required for US/CA")))
    coverage.observe(answer(CREATE_ORDER, 400, error("State required for US and Canada")))  # other words
    coverage.observe(answer(CREATE_ORDER, 409, error("State is required for US/CA")))  # other status
    coverage.observe(answer(CREATE_ORDER, 400, {"errors": "not a list"}))
    assert coverage.seed_rows == {(400, "State is required for US/CA"): 1}


def test_gaps_name_each_success_status_and_seed_row_never_answered():
    assert covered_everything().gaps() == []
    coverage = covered_everything()
    del coverage.answers["POST /v1/actions/store/delete-store", 200]
    del coverage.seed_rows[401, "Authentication failed"]
    assert coverage.gaps() == ["POST /v1/actions/store/delete-store 200",
                               f"{CREATE_ORDER} 401 'Authentication failed' (seed row)"]


def test_without_a_control_plane_the_psp_failure_row_is_not_asked_for():
    coverage = covered_everything()
    del coverage.seed_rows[500, "Internal server error"]
    assert coverage.gaps(control_plane=False) == []
    assert coverage.gaps() == [f"{CREATE_ORDER} 500 'Internal server error' (seed row)"]


def test_a_run_aimed_at_some_operations_is_judged_on_those():
    coverage = Coverage.of(BASE)
    coverage.observe(answer(TOKEN, 200, {}))
    assert coverage.gaps({TOKEN}) == []
    assert f"{CREATE_ORDER} 200" in coverage.gaps({TOKEN, CREATE_ORDER})
    assert len(coverage.gaps()) == sum(1 for statuses in documented().values() if 200 in statuses) - 1 \
        + len(contract.SEED_ERRORS)


def test_coverage_merges_what_a_run_apart_found():
    coverage, apart = Coverage.of(BASE), Coverage.of(BASE)
    coverage.observe(answer(TOKEN, 200, {}))
    apart.observe(answer(TOKEN, 200, {}))
    apart.observe(answer(CREATE_ORDER, 401, error("Authentication failed")))
    coverage.merge(apart)
    assert coverage.answers[TOKEN, 200] == 2 and coverage.seed_rows[401, "Authentication failed"] == 1

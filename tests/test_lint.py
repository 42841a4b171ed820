"""`pancake-mock lint`: the real contract is clean, and each rule catches its own kind of breakage.

Every broken document is the real one with a single change, so each test expects exactly the
problem that change causes, and nothing else.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import yaml

from pancake_mock import contract
from pancake_mock.lint import Problem, lint

CREATE_SESSION = "#/paths/~1v1~1actions~1checkout~1create-session/post"
CREATE_ORDER = "#/paths/~1v1~1actions~1onetime-order~1create-order/post"
ISSUE_TOKEN = "#/paths/~1v1~1actions~1auth~1issue-session-token/post"
CREATE_PRODUCT = "#/paths/~1v1~1actions~1onetime-product~1create-product/post"
UPDATE_PRODUCT = "#/paths/~1v1~1actions~1onetime-product~1update-product/post"


@pytest.fixture
def api() -> dict:
    return yaml.safe_load(contract.API_SPEC.read_text(encoding="utf-8"))


@pytest.fixture
def control() -> dict:
    return yaml.safe_load(contract.CONTROL_SPEC.read_text(encoding="utf-8"))


def write(directory, name: str, document: dict):
    path = directory / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def write_control(directory, document: dict):
    """control.yaml refers into pancake.yaml, so the real one goes next to it."""
    shutil.copy(contract.API_SPEC, directory / contract.API_SPEC.name)
    return write(directory, "control.yaml", document)


def create_order(api: dict) -> dict:
    return api["paths"]["/v1/actions/onetime-order/create-order"]["post"]


def test_the_contract_lints_clean():
    assert lint() == []
    assert lint([contract.API_SPEC, contract.CONTROL_SPEC]) == []


def test_the_graphql_schema_is_built_validated_and_query_only(tmp_path):
    sdl = contract.GRAPHQL_SCHEMA.read_text(encoding="utf-8")
    assert lint([contract.GRAPHQL_SCHEMA]) == []
    unknown = tmp_path / "unknown.graphql"
    unknown.write_text(sdl.replace("  status: String!\n", "  status: Statuz!\n", 1), encoding="utf-8")
    assert lint([unknown]) == [Problem(unknown, "#", "Unknown type 'Statuz'.")]
    broken = tmp_path / "broken.graphql"
    broken.write_text(sdl + "\ntype Query2 {\n", encoding="utf-8")
    [problem] = lint([broken])
    assert problem.location.startswith("line ") and "Syntax Error" in problem.message
    writes = tmp_path / "writes.graphql"
    writes.write_text(sdl.replace("schema {\n  query: Query\n}", "schema {\n  query: Query\n  mutation: Writes\n}")
                      + "\ntype Writes {\n  createStore(name: String!): Store\n}\n", encoding="utf-8")
    [problem] = lint([writes])
    assert problem.message == "a mutation root: the reads are query-only"
    empty = tmp_path / "empty.graphql"
    empty.write_text(sdl.replace("input BooleanFilter {\n  eq: Boolean\n}", "input BooleanFilter"), encoding="utf-8")
    assert [p.message for p in lint([empty])] == ["Input Object type BooleanFilter must define one or more fields."]


def test_an_html_page_answers_its_errors_as_pages_but_a_json_error_needs_the_envelope(tmp_path):
    pages = yaml.safe_load(contract.PAGES_SPEC.read_text(encoding="utf-8"))
    assert lint([write(tmp_path, "pages.yaml", pages)]) == []
    page_error = pages["components"]["responses"]["PageError"]
    page_error["content"]["application/json"] = {"schema": {"type": "object"}}
    path = write(tmp_path, "pages.yaml", pages)
    found = lint([path])
    assert found and all(problem.message.startswith("error response does not use the ErrorEnvelope") for problem in found)


def test_real_copies_lint_clean(tmp_path, api, control):
    """The baseline of every test below: writing the documents out changes nothing."""
    assert lint([write(tmp_path, "pancake.yaml", api), write_control(tmp_path, control)]) == []


def test_dangling_local_schema_ref(tmp_path, api):
    create_order(api)["responses"]["401"]["content"]["application/json"]["schema"]["$ref"] = "#/components/schemas/ErrorEnvelop"
    path = write(tmp_path, "pancake.yaml", api)
    assert lint([path]) == [
        Problem(path, f"{CREATE_ORDER}/responses/401/content/application~1json/schema", "dangling $ref '#/components/schemas/ErrorEnvelop'"),
    ]


def test_dangling_cross_file_schema_ref(tmp_path, control):
    control["components"]["schemas"]["OrderRecord"]["properties"]["billingDetail"]["$ref"] = "./pancake.yaml#/components/schemas/Billing"
    path = write_control(tmp_path, control)
    assert lint([path]) == [
        Problem(path, "#/components/schemas/OrderRecord/properties/billingDetail", "dangling $ref './pancake.yaml#/components/schemas/Billing'"),
    ]


def test_ref_into_a_missing_file(tmp_path, control):
    control["components"]["schemas"]["SessionRecord"]["properties"]["price"]["$ref"] = "./api.yaml#/components/schemas/PriceInfo"
    path = write_control(tmp_path, control)
    assert lint([path]) == [
        Problem(path, "#/components/schemas/SessionRecord/properties/price", "dangling $ref './api.yaml#/components/schemas/PriceInfo'"),
    ]


def test_link_to_unknown_operation(tmp_path, api):
    links = api["paths"]["/v1/actions/checkout/create-session"]["post"]["responses"]["200"]["links"]
    links["CreateOnetimeOrder"]["operationId"] = "createOnetimeOrdr"
    links["CreateSubscriptionOrder"] = {"operationRef": "#/paths/~1v1~1actions~1subscription-order~1create-orders/post"}
    path = write(tmp_path, "pancake.yaml", api)
    at = f"{CREATE_SESSION}/responses/200/links"
    assert lint([path]) == [
        Problem(path, f"{at}/CreateOnetimeOrder", "link to unknown operationId 'createOnetimeOrdr'"),
        Problem(path, f"{at}/CreateSubscriptionOrder", "link operationRef '#/paths/~1v1~1actions~1subscription-order~1create-orders/post' resolves to nothing"),
    ]


def test_link_may_name_an_operation_of_another_document_passed(tmp_path, control):
    control["components"]["responses"]["PspFaults"]["links"] = {"Order": {"operationId": "createOnetimeOrder"}}
    control_path = write_control(tmp_path, control)
    assert lint([tmp_path / "pancake.yaml", control_path]) == []
    assert lint([control_path]) == [
        Problem(control_path, "#/components/responses/PspFaults/links/Order", "link to unknown operationId 'createOnetimeOrder'"),
    ]


def test_security_requirement_naming_a_missing_scheme(tmp_path, api):
    create_order(api)["security"] = [{"sessionTokn": []}]
    api["security"] = [{"merchantId": [], "apiKey": []}]
    path = write(tmp_path, "pancake.yaml", api)
    assert lint([path]) == [
        Problem(path, "#/security/0", "security scheme 'apiKey' is not in components.securitySchemes"),
        Problem(path, f"{CREATE_ORDER}/security/0", "security scheme 'sessionTokn' is not in components.securitySchemes"),
    ]


def test_error_response_without_the_envelope(tmp_path, api):
    create_order(api)["responses"]["400"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Notice"}
    path = write(tmp_path, "pancake.yaml", api)
    assert lint([path]) == [Problem(path, f"{CREATE_ORDER}/responses/400", "error response does not use the ErrorEnvelope")]


def test_shared_error_response_without_the_envelope_names_each_operation(tmp_path, api):
    shared = {"$ref": "#/components/responses/BadRequest"}
    users = [(route, method) for route, item in api["paths"].items() for method, op in item.items() if op["responses"].get("400") == shared]
    api["components"]["responses"]["BadRequest"]["content"]["application/json"]["schema"] = {"type": "object"}
    path = write(tmp_path, "pancake.yaml", api)
    message = "error response does not use the ErrorEnvelope (via #/components/responses/BadRequest)"
    assert len(users) >= 4
    assert [str(problem) for problem in lint([path])] == [
        f"{path}: #/paths/{route.replace('/', '~1')}/{method}/responses/400: {message}" for route, method in users
    ]


def test_control_error_response_without_the_envelope(tmp_path, control):
    put = control["paths"]["/_mock/psp/faults"]["put"]
    put["responses"]["415"]["content"]["application/json"]["schema"]["$ref"] = "./pancake.yaml#/components/schemas/Notice"
    path = write_control(tmp_path, control)
    assert lint([path]) == [Problem(path, "#/paths/~1_mock~1psp~1faults/put/responses/415", "error response does not use the ErrorEnvelope")]


def test_seed_message_changed_by_one_character(tmp_path, api):
    examples = create_order(api)["responses"]["400"]["content"]["application/json"]["examples"]
    examples["stateRequired"]["value"]["errors"][0]["message"] = "State is required for US/CA."
    path = write(tmp_path, "pancake.yaml", api)
    assert lint([path]) == [
        Problem(path, f"{CREATE_ORDER}/responses/400", "seed message missing from the examples: 'State is required for US/CA'"),
    ]


def test_missing_seed_status(tmp_path, api):
    del create_order(api)["responses"]["403"]
    path = write(tmp_path, "pancake.yaml", api)
    assert lint([path]) == [Problem(path, f"{CREATE_ORDER}/responses/403", "seed status 403 is not documented")]


def test_invalid_openapi_document(tmp_path, api):
    api["paths"]["/v1/actions/auth/issue-session-token"]["post"]["responses"]["200"] = {"content": 5}
    path = write(tmp_path, "pancake.yaml", api)
    at = f"{ISSUE_TOKEN}/responses/200"
    assert lint([path]) == [
        Problem(path, at, '"description" is a required property'),
        Problem(path, f"{at}/content", '5 is not of type "object"'),
    ]


def test_unreadable_and_non_mapping_files(tmp_path):
    missing, not_openapi = tmp_path / "missing.yaml", tmp_path / "list.yaml"
    not_openapi.write_text("- 1\n", encoding="utf-8")
    assert [(p.file, p.location, p.message.split(":")[0]) for p in lint([missing, not_openapi])] == [
        (missing, "#", "cannot read"),
        (not_openapi, "#", "not a YAML mapping"),
    ]


def test_duplicate_operation_id_in_one_document(tmp_path, api):
    api["paths"]["/v1/actions/onetime-product/update-product"]["post"]["operationId"] = "createOnetimeProduct"
    path = write(tmp_path, "pancake.yaml", api)
    assert lint([path]) == [
        Problem(path, UPDATE_PRODUCT, f"operationId 'createOnetimeProduct' is already used at {path}{CREATE_PRODUCT}"),
    ]


def test_duplicate_operation_id_across_documents(tmp_path, control):
    control["paths"]["/_mock/reset"]["post"]["operationId"] = "createOnetimeOrder"
    control_path = write_control(tmp_path, control)
    api_path = tmp_path / "pancake.yaml"
    assert lint([api_path, control_path]) == [
        Problem(control_path, "#/paths/~1_mock~1reset/post", f"operationId 'createOnetimeOrder' is already used at {api_path}{CREATE_ORDER}"),
    ]


def pancake_mock(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pancake_mock", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_cli_on_the_contract(tmp_path):
    result = pancake_mock("lint", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "lint: OK, 4 file(s)\n"), result.stderr


def test_cli_prints_one_line_per_problem(tmp_path, api):
    create_order(api)["security"] = [{"sessionTokn": []}]
    del create_order(api)["responses"]["403"]
    write(tmp_path, "pancake.yaml", api)
    result = pancake_mock("lint", "pancake.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        f"pancake.yaml: {CREATE_ORDER}/security/0: security scheme 'sessionTokn' is not in components.securitySchemes",
        f"pancake.yaml: {CREATE_ORDER}/responses/403: seed status 403 is not documented",
        "lint: 2 problem(s) in 1 file(s)",
    ]

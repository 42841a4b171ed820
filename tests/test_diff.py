"""`pancake-mock diff`: every rule on a pair of tiny contracts, the allow-list, the formats, `--base`
against a git repository, the exit codes, and this project's own contract against its previous
commit (the CI gate).

Each pair differs in one thing, so each case expects exactly the change that thing makes, with
its class written out here rather than read from the rule table.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

from pancake_mock import contract
from pancake_mock.diff.changes import (BREAKING, DEPRECATION, NON_BREAKING, RULES, InputError, compare,
                                        format_markdown)

ROOT = Path(__file__).resolve().parents[1]
THINGS = "pancake.yaml#/paths/~1v1~1things/post"
SCHEMAS = "pancake.yaml#/components/schemas"


def api(operation: dict | None = None, schemas: dict | None = None, **top: object) -> dict:
    """A contract of one operation, POST /v1/things (createThing)."""
    return {"openapi": "3.1.0", "info": {"title": "things", "version": "1"},
            "paths": {"/v1/things": {"post": operation if operation is not None else thing()}},
            "components": {"schemas": schemas or {}}, **top}


def thing(request: dict | None = None, response: dict | None = None, **fields: object) -> dict:
    operation = {"operationId": "createThing",
                 "responses": {"200": {"description": "ok", "content": {"application/json": {
                     "schema": response if response is not None else {"type": "object"}}}}}}
    if request is not None:
        operation["requestBody"] = {"content": {"application/json": {"schema": request}}}
    return {**operation, **fields}


def with_property(direction: str, schema: dict, *, required: bool = False, **object_fields: object) -> dict:
    """createThing with `value` (schema) in its request or its response."""
    body = {"type": "object", "properties": {"value": schema}, **object_fields}
    if required:
        body["required"] = ["value"]
    return api(thing(**{direction: body}))


def error(*messages: str) -> dict:
    """An error response with an example of each message."""
    examples = {f"example{i}": {"value": {"data": None, "errors": [{"message": m, "layer": "order"}]}}
                for i, m in enumerate(messages)}
    return {"description": "an error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ErrorEnvelope"}, **({"examples": examples} if examples else {})}}}


ENVELOPE = {"type": "object", "required": ["data", "errors"],
            "properties": {"data": {"type": "null"}, "errors": {"type": "array", "items": {"type": "object"}}}}


def with_errors(responses: dict, envelope: dict = ENVELOPE) -> dict:
    return api(thing(responses={"200": {"description": "ok"}, **responses}), {"ErrorEnvelope": envelope})


def with_security(requirements: list | None, **scheme: object) -> dict:
    schemes = {"apiKey": {"type": "apiKey", "in": "header", "name": "X-Key", **scheme},
               "token": {"type": "http", "scheme": "bearer"}}
    operation = thing() if requirements is None else thing(security=requirements)
    return {**api(operation), "components": {"securitySchemes": schemes}}


def with_parameters(*parameters: dict) -> dict:
    return api(thing(parameters=list(parameters)))


def header(name: str = "X-Environment", **fields: object) -> dict:
    return {"name": name, "in": "header", "schema": {"type": "string"}, **fields}


def with_response(**fields: object) -> dict:
    return api(thing(responses={"200": {"description": "ok", **fields}}))


SDL = "type Query {\n  order: Order\n}\n\ntype Order {\n  id: ID!\n  note: String\n  status: Status\n}\n\nenum Status {\n  PENDING\n  PAID\n}\n"


# (rule, its class, old contract, new contract, the location it is reported at)
CASES = [
    ("operation-removed", BREAKING, api(), {**api(), "paths": {}}, THINGS),
    ("operation-added", NON_BREAKING, {**api(), "paths": {}}, api(), THINGS),
    ("operation-deprecated", DEPRECATION, api(), api(thing(deprecated=True)), THINGS),
    ("security-added", BREAKING, with_security([]), with_security([{"apiKey": []}]), f"{THINGS}/security"),
    ("security-added", BREAKING, with_security([{"apiKey": []}, {"token": []}]), with_security([{"apiKey": []}]),
     f"{THINGS}/security"),
    ("security-removed", NON_BREAKING, with_security([{"apiKey": [], "token": []}]), with_security([{"apiKey": []}]),
     f"{THINGS}/security"),
    ("security-scheme-changed", BREAKING, with_security([{"apiKey": []}]), with_security([{"apiKey": []}], name="X-Api-Key"),
     "pancake.yaml#/components/securitySchemes/apiKey"),
    ("parameter-removed", NON_BREAKING, with_parameters(header()), with_parameters(), f"{THINGS}/parameters/0"),
    ("parameter-added", NON_BREAKING, with_parameters(), with_parameters(header()), f"{THINGS}/parameters/0"),
    ("parameter-added-required", BREAKING, with_parameters(), with_parameters(header(required=True)),
     f"{THINGS}/parameters/0"),
    ("parameter-required", BREAKING, with_parameters(header()), with_parameters(header(name="x-environment", required=True)),
     f"{THINGS}/parameters/0"),
    ("parameter-optional", NON_BREAKING, with_parameters(header(required=True)), with_parameters(header()),
     f"{THINGS}/parameters/0"),
    ("parameter-deprecated", DEPRECATION, with_parameters(header()), with_parameters(header(deprecated=True)),
     f"{THINGS}/parameters/0"),
    ("request-body-required", BREAKING, api(thing(request={})), api(thing(request={}, requestBody={
        "required": True, "content": {"application/json": {"schema": {}}}})), f"{THINGS}/requestBody"),
    ("request-media-type-removed", BREAKING,
     api(thing(requestBody={"content": {"application/json": {}, "text/plain": {}}})),
     api(thing(requestBody={"content": {"application/json": {}}})), f"{THINGS}/requestBody/content/text~1plain"),
    ("request-media-type-added", NON_BREAKING, api(thing(requestBody={"content": {"application/json": {}}})),
     api(thing(requestBody={"content": {"application/json": {}, "text/plain": {}}})),
     f"{THINGS}/requestBody/content/text~1plain"),
    ("response-status-removed", BREAKING, api(thing(responses={"200": {"description": "ok"}, "404": {"description": "no"}})),
     api(thing(responses={"200": {"description": "ok"}})), f"{THINGS}/responses/404"),
    ("response-status-added", NON_BREAKING, api(thing(responses={"200": {"description": "ok"}})),
     api(thing(responses={"200": {"description": "ok"}, 404: {"description": "no"}})), f"{THINGS}/responses/404"),
    ("response-media-type-removed", BREAKING, with_response(content={"application/json": {}, "text/csv": {}}),
     with_response(content={"application/json": {}}), f"{THINGS}/responses/200/content/text~1csv"),
    ("response-media-type-added", NON_BREAKING, with_response(content={"application/json": {}}),
     with_response(content={"application/json": {}, "text/csv": {}}), f"{THINGS}/responses/200/content/text~1csv"),
    ("response-header-removed", BREAKING, with_response(headers={"X-Request-Id": {"schema": {"type": "string"}}}),
     with_response(), f"{THINGS}/responses/200/headers/X-Request-Id"),
    ("response-header-added", NON_BREAKING, with_response(),
     with_response(headers={"X-Request-Id": {"schema": {"type": "string"}}}), f"{THINGS}/responses/200/headers/X-Request-Id"),
    ("request-property-removed", NON_BREAKING, with_property("request", {"type": "string"}),
     api(thing(request={"type": "object", "properties": {}})), f"{THINGS}/requestBody/content/application~1json/schema/properties/value"),
    ("request-property-refused", BREAKING, with_property("request", {"type": "string"}, additionalProperties=False),
     api(thing(request={"type": "object", "properties": {}, "additionalProperties": False})),
     f"{THINGS}/requestBody/content/application~1json/schema/properties/value"),
    ("request-property-added", NON_BREAKING, api(thing(request={"type": "object"})), with_property("request", {}),
     f"{THINGS}/requestBody/content/application~1json/schema/properties/value"),
    ("request-property-added-required", BREAKING, api(thing(request={"type": "object"})),
     with_property("request", {}, required=True), f"{THINGS}/requestBody/content/application~1json/schema/properties/value"),
    ("request-property-required", BREAKING, with_property("request", {}), with_property("request", {}, required=True),
     f"{THINGS}/requestBody/content/application~1json/schema/properties/value"),
    ("request-property-optional", NON_BREAKING, with_property("request", {}, required=True), with_property("request", {}),
     f"{THINGS}/requestBody/content/application~1json/schema/properties/value"),
    ("response-property-removed", BREAKING, with_property("response", {"type": "string"}),
     api(thing(response={"type": "object"})), f"{THINGS}/responses/200/content/application~1json/schema/properties/value"),
    ("response-property-added", NON_BREAKING, api(thing(response={"type": "object"})),
     with_property("response", {}, required=True), f"{THINGS}/responses/200/content/application~1json/schema/properties/value"),
    ("response-property-optional", BREAKING, with_property("response", {}, required=True), with_property("response", {}),
     f"{THINGS}/responses/200/content/application~1json/schema/properties/value"),
    ("response-property-required", NON_BREAKING, with_property("response", {}), with_property("response", {}, required=True),
     f"{THINGS}/responses/200/content/application~1json/schema/properties/value"),
    ("property-deprecated", DEPRECATION, with_property("request", {}), with_property("request", {"deprecated": True}),
     f"{THINGS}/requestBody/content/application~1json/schema/properties/value"),
    ("seed-error-message-changed", BREAKING, with_errors({"400": error("State is required for US/CA")}),
     with_errors({"400": error()}), f"{THINGS}/responses/400"),
    ("error-message-removed", NON_BREAKING, with_errors({"404": error("Product not found")}),
     with_errors({"404": error()}), f"{THINGS}/responses/404"),
    ("error-message-added", NON_BREAKING, with_errors({"409": error("Checkout session invalid, please re-enter checkout")}),
     with_errors({"409": error("Checkout session invalid, please re-enter checkout",
                               "Idempotent request is already being processed")}), f"{THINGS}/responses/409"),
    ("request-enum-changed", BREAKING, with_property("request", {"const": "a"}), with_property("request", {"const": "b"}),
     f"{THINGS}/requestBody/content/application~1json/schema/properties/value/const"),
    ("error-envelope-changed", BREAKING, with_errors({}),
     with_errors({}, {**ENVELOPE, "required": ["errors"]}), f"{SCHEMAS}/ErrorEnvelope"),
]


def keyword_cases() -> list[tuple]:
    """Each constraint keyword narrowed, widened and (where it can be) changed, in a request and in a response."""
    pairs = {
        "type": {"narrowed": ({"type": ["string", "null"]}, {"type": "string"}), "changed": ({"type": "string"}, {"type": "integer"})},
        "enum": {"narrowed": ({"enum": ["a", "b"]}, {"enum": ["a"]}), "changed": ({"const": "a"}, {"enum": ["b"]})},
        "pattern": {"narrowed": ({}, {"pattern": "^a"}), "changed": ({"pattern": "^a"}, {"pattern": "^b"})},
        "format": {"narrowed": ({}, {"format": "date"}), "changed": ({"format": "date"}, {"format": "email"})},
        **{bound: {"narrowed": ({bound: 10}, {bound: 5})} for bound in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")},
        **{bound: {"narrowed": ({bound: 1}, {bound: 2})} for bound in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")},
        "additionalProperties": {"narrowed": ({"additionalProperties": {"type": "string"}}, {"additionalProperties": False})},
        "oneOf": {"narrowed": ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, {"oneOf": [{"type": "string"}]})},
        "anyOf": {"narrowed": ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, {"anyOf": [{"type": "string"}]})},
        "allOf": {"narrowed": ({"allOf": [{"minLength": 1}]}, {"allOf": [{"minLength": 1}, {"maxLength": 5}]})},
    }
    cases = []
    for keyword, verdicts in pairs.items():
        verdicts["widened"] = tuple(reversed(verdicts["narrowed"]))
        kebab = "".join(f"-{c.lower()}" if c.isupper() else c for c in keyword)
        for verdict, (old, new) in verdicts.items():
            for direction in ("request", "response"):
                breaking = verdict == "changed" or (direction, verdict) in {("request", "narrowed"), ("response", "widened")}
                place = "requestBody" if direction == "request" else "responses/200"
                location = f"{THINGS}/{place}/content/application~1json/schema/properties/value/{keyword}"
                if keyword in ("oneOf", "anyOf", "allOf"):
                    location += "/1"  # the member more or less
                cases.append((f"{direction}-{kebab}-{verdict}", BREAKING if breaking else NON_BREAKING,
                              with_property(direction, old), with_property(direction, new), location))
    return cases


ALL_CASES = CASES + keyword_cases()


def write_contracts(directory: Path, files: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def diff(tmp_path: Path, old: dict, new: dict, allow: list | None = None):
    """The report from `old` to `new`: each a contract for pancake.yaml or {file name: content}."""
    as_files = lambda c: c if all(isinstance(k, str) and "." in k for k in c) else {"pancake.yaml": c}  # noqa: E731
    before = write_contracts(tmp_path / "old", as_files(old))
    after = write_contracts(tmp_path / "new", as_files(new))
    if allow is not None:
        (after / "breaking-changes.yaml").write_text(yaml.safe_dump(allow), encoding="utf-8")
    return compare(before, after)


def found(report) -> list[tuple[str, str, str]]:
    return [(c.kind, c.rule, c.location) for c in report.changes]


@pytest.mark.parametrize(("rule", "kind", "old", "new", "location"), ALL_CASES, ids=[
    f"{case[0]}-{index}" for index, case in enumerate(ALL_CASES)])
def test_each_rule_on_a_pair_of_contracts(tmp_path, rule, kind, old, new, location):
    report = diff(tmp_path, old, new)
    assert found(report) == [(kind, rule, location)]
    assert report.exit_code == (1 if kind == BREAKING else 0)
    assert report.changes[0].operations == ["createThing"] or rule in ("security-scheme-changed", "error-envelope-changed")


def test_every_rule_has_a_case():
    assert {case[0] for case in ALL_CASES} | {"file-added", "file-removed"} == set(RULES)


def test_an_unchanged_contract_has_no_changes(tmp_path):
    real = {name: yaml.safe_load((contract.SPEC_DIR / name).read_text()) for name in ("pancake.yaml", "control.yaml")}
    report = diff(tmp_path, real, real)
    assert report.changes == [] and report.exit_code == 0


def test_contract_files_added_and_removed(tmp_path):
    report = diff(tmp_path, {"pancake.yaml": api(), "control.yaml": api()}, {"pancake.yaml": api(), "pancake.graphql": SDL})
    assert found(report) == [(BREAKING, "file-removed", "control.yaml"), (NON_BREAKING, "file-added", "pancake.graphql")]


def test_a_response_property_made_nullable_is_a_break_and_in_a_request_it_is_not(tmp_path):
    schemas = {"Timestamp": {"type": "string", "format": "date-time"}}
    ref = {"$ref": "#/components/schemas/Timestamp"}
    nullable = {"oneOf": [ref, {"type": "null"}]}
    for direction, kind in (("response", BREAKING), ("request", NON_BREAKING)):
        old, new = with_property(direction, ref), with_property(direction, nullable)
        old["components"]["schemas"] = new["components"]["schemas"] = schemas
        report = diff(tmp_path / direction, old, new)
        place = "requestBody" if direction == "request" else "responses/200"
        assert found(report) == [(kind, f"{direction}-one-of-widened",
                                  f"{THINGS}/{place}/content/application~1json/schema/properties/value/oneOf/1")]


def test_a_shared_schema_is_one_change_naming_every_operation_and_a_recursive_one_ends(tmp_path):
    schemas = {"Node": {"type": "object", "properties": {"name": {"type": "string"}, "children": {
        "type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}}
    def contract_of(schemas):
        read = thing(response={"$ref": "#/components/schemas/Node"})
        return {**api(read, copy.deepcopy(schemas)), "paths": {
            "/v1/a": {"post": {**read, "operationId": "readA"}}, "/v1/b": {"post": {**read, "operationId": "readB"}}}}
    narrower = copy.deepcopy(schemas)
    del narrower["Node"]["properties"]["name"]
    report = diff(tmp_path, contract_of(schemas), contract_of(narrower))
    [change] = report.changes
    assert (change.rule, change.location, change.operations) == (
        "response-property-removed", f"{SCHEMAS}/Node/properties/name", ["readA", "readB"])
    assert change.line() == "the response property name is removed (in readA and 1 more)"


def test_a_property_is_where_its_object_names_it_not_where_its_schema_is(tmp_path):
    schemas = {"Amount": {"type": "string"}, "Refund": {"type": "object", "properties": {}}}
    refund = thing(response={"$ref": "#/components/schemas/Refund"})
    wider = copy.deepcopy(schemas)
    wider["Refund"]["properties"] = {"refunded": {"$ref": "#/components/schemas/Amount"},
                                     "charged": {"$ref": "#/components/schemas/Amount", "deprecated": True}}
    assert found(diff(tmp_path, api(refund, schemas), api(refund, wider))) == [
        (NON_BREAKING, "response-property-added", f"{SCHEMAS}/Refund/properties/refunded"),
        (NON_BREAKING, "response-property-added", f"{SCHEMAS}/Refund/properties/charged"),
    ]
    deprecated = copy.deepcopy(wider)
    deprecated["Refund"]["properties"]["refunded"]["deprecated"] = True  # beside its $ref
    assert found(diff(tmp_path / "deprecated", api(refund, wider), api(refund, deprecated))) == [
        (DEPRECATION, "property-deprecated", f"{SCHEMAS}/Refund/properties/refunded")]


def test_a_webhook_body_is_what_the_server_sends(tmp_path):
    def with_webhook(body):
        return {**api(), "webhooks": {"thing.made": {"post": {"operationId": "thingMade", "requestBody": {
            "content": {"application/json": {"schema": body}}}, "responses": {"200": {"description": "ok"}}}}}}
    old = with_webhook({"type": "object", "properties": {"status": {"enum": ["made"]}}})
    new = with_webhook({"type": "object", "properties": {"status": {"enum": ["made", "unmade"]}}})
    assert found(diff(tmp_path, old, new)) == [
        (BREAKING, "response-enum-widened",
         "pancake.yaml#/webhooks/thing.made/post/requestBody/content/application~1json/schema/properties/status/enum")]


def test_graphql_changes_come_from_graphql_core(tmp_path):
    new = (SDL.replace("  status: Status\n", "  status: Status @deprecated(reason: \"use state\")\n  total: String\n")
           .replace("  note: String\n", "").replace("  PAID\n", "  PAID\n  REFUNDED\n"))
    report = diff(tmp_path, {"pancake.graphql": SDL}, {"pancake.graphql": new})
    assert sorted((c.kind, c.rule, c.location) for c in report.changes) == [
        (BREAKING, "graphql-field-removed", "pancake.graphql#Order.note"),
        (DEPRECATION, "graphql-deprecated", "pancake.graphql#Order.status"),
        (NON_BREAKING, "graphql-field-added", "pancake.graphql#Order.total"),
        (NON_BREAKING, "graphql-value-added-to-enum", "pancake.graphql#Status.REFUNDED"),
    ]
    assert {c.rule: c.message for c in report.changes}["graphql-value-added-to-enum"] == \
        "dangerous: Enum value Status.REFUNDED was added."


# --- the allow-list -------------------------------------------------------------------------------

REMOVED = (with_property("response", {"type": "string"}), api(thing(response={"type": "object"})))
REMOVED_AT = f"{THINGS}/responses/200/content/application~1json/schema/properties/value"


def test_an_acknowledged_break_is_shown_and_does_not_fail(tmp_path):
    report = diff(tmp_path, *REMOVED, allow=[{"rule": "response-property-removed", "location": REMOVED_AT,
                                               "reason": "nobody read it"}])
    [change] = report.changes
    assert (change.kind, change.acknowledged, report.stale, report.exit_code) == (BREAKING, "nobody read it", [], 0)


@pytest.mark.parametrize("entry", [
    {"rule": "response-property-removed", "location": REMOVED_AT},
    {"rule": "response-property-removed", "location": REMOVED_AT, "reason": "  "},
    {"rule": "response-property-removed", "location": REMOVED_AT, "reason": "x", "until": "2027"},
    "response-property-removed",
])
def test_an_entry_without_a_reason_or_malformed_is_a_usage_error(tmp_path, entry):
    with pytest.raises(InputError, match=r"breaking-changes.yaml: entry 1: "):
        diff(tmp_path, *REMOVED, allow=[entry])


def test_a_stale_entry_is_a_warning(tmp_path):
    stale = {"rule": "response-property-removed", "location": f"{SCHEMAS}/Gone/properties/x", "reason": "long ago"}
    report = diff(tmp_path, api(), api(), allow=[stale])
    assert report.exit_code == 0 and [vars(e) for e in report.stale] == [stale]


# --- the formats and the command ------------------------------------------------------------------


def pancake_mock(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pancake_mock", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def changed(tmp_path) -> tuple[Path, Path]:
    """A break acknowledged, a break not, a deprecation, an addition and a stale entry."""
    old = api(thing(response={"type": "object", "properties": {"a": {}, "b": {}, "c": {}}}))
    new = api(thing(response={"type": "object", "properties": {"c": {"deprecated": True}, "d": {}}}))
    write_contracts(tmp_path / "old", {"pancake.yaml": old})
    write_contracts(tmp_path / "new", {"pancake.yaml": new, "breaking-changes.yaml": [
        {"rule": "response-property-removed", "location": REMOVED_AT.replace("/value", "/a"), "reason": "unused | old"},
        {"rule": "operation-removed", "location": THINGS, "reason": "stale"}]})
    return tmp_path / "old", tmp_path / "new"


def test_the_text_format(changed):
    result = pancake_mock("diff", *map(str, changed))
    at = REMOVED_AT.replace("/value", "")
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        f"diff: {changed[0]} → {changed[1]}",
        f"{at}/b: breaking [response-property-removed] the response property b is removed (in createThing)",
        f"{at}/a: breaking, acknowledged [response-property-removed] the response property a is removed (in createThing)"
        " (reason: unused | old)",
        f"{at}/c: deprecation [property-deprecated] the property c is deprecated (in createThing)",
        f"{at}/d: non-breaking [response-property-added] the response property d is added (in createThing)",
        f"warning: {changed[1] / 'breaking-changes.yaml'}: stale entry operation-removed at {THINGS}: it matches no breaking change",
        "diff: 2 breaking (1 acknowledged), 1 non-breaking, 1 deprecation(s)",
        f"diff: acknowledge each breaking change in {changed[1] / 'breaking-changes.yaml'} (rule, location, reason), or undo it",
    ]


def test_the_json_format(changed):
    result = pancake_mock("diff", *map(str, changed), "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert [(c["class"], c["rule"], c["acknowledged"]) for c in report["changes"]] == [
        (BREAKING, "response-property-removed", None), (BREAKING, "response-property-removed", "unused | old"),
        (DEPRECATION, "property-deprecated", None), (NON_BREAKING, "response-property-added", None)]
    assert report["changes"][0]["operations"] == ["createThing"]
    assert report["stale"] == [{"rule": "operation-removed", "location": THINGS, "reason": "stale"}]
    assert report["unacknowledged"] == 1


def test_the_markdown_format(changed):
    result = pancake_mock("diff", *map(str, changed), "--format", "markdown")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"### Contract diff: `{changed[0]}` → `{changed[1]}`"
    assert lines[2].startswith("**1 unacknowledged breaking change(s)**")
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| |")]
    assert [row.split(" | ")[0:2] for row in rows] == [
        ["| breaking", "`response-property-removed`"], ["| breaking", "`response-property-removed`"],
        ["| deprecation", "`property-deprecated`"], ["| non-breaking", "`response-property-added`"]]
    assert "acknowledged: unused \\| old |" in rows[1]  # a pipe in a cell does not split it
    assert lines.index("<details><summary>1 non-breaking change(s)</summary>") < lines.index(rows[3]) < lines.index("</details>")
    assert lines[-1].startswith("> **Warning**: ") and "stale entry operation-removed" in lines[-1]


def test_markdown_without_changes_says_so(tmp_path):
    report = diff(tmp_path, api(), api())
    assert format_markdown(report).splitlines()[2] == "No changes."


def test_exit_codes(tmp_path, changed):
    assert pancake_mock("diff", str(changed[0]), str(changed[0])).returncode == 0
    assert pancake_mock("diff", *map(str, changed)).returncode == 1
    everything = tmp_path / "everything.yaml"
    everything.write_text(yaml.safe_dump([{"rule": "response-property-removed", "location": REMOVED_AT.replace("/value", f"/{p}"),
                                           "reason": "unused"} for p in "ab"]), encoding="utf-8")
    assert pancake_mock("diff", *map(str, changed), "--allow-list", str(everything)).returncode == 0
    (tmp_path / "broken.yaml").write_text("openapi: [3.1\n", encoding="utf-8")
    (tmp_path / "list.yaml").write_text("- 1\n", encoding="utf-8")
    (tmp_path / "old.graphql").write_text(SDL, encoding="utf-8")
    (tmp_path / "new.graphql").write_text(SDL + "type Order {\n", encoding="utf-8")
    (tmp_path / "dangling.yaml").write_text(yaml.safe_dump(api(thing(response={"$ref": "#/components/schemas/Gone"}))))
    for args, message in [
        ([str(changed[0])], "give OLD and NEW, or --base GIT_REF [NEW]"),
        (["--base", "HEAD", "a", "b"], "give OLD and NEW, or --base GIT_REF [NEW]"),
        ([str(tmp_path / "nothing"), str(changed[1])], "nothing: no such file or directory"),
        ([str(changed[0] / "pancake.yaml"), str(tmp_path / "broken.yaml")], "broken.yaml: cannot read: "),
        ([str(changed[0] / "pancake.yaml"), str(tmp_path / "list.yaml")], "list.yaml: not a YAML mapping"),
        ([str(changed[0]), str(tmp_path / "list.yaml")], "compare two directories or two files"),
        ([str(tmp_path / "old"), str(tmp_path)], "holds none of pancake.yaml"),
        ([str(tmp_path / "old.graphql"), str(tmp_path / "new.graphql")], "new.graphql: cannot read: Syntax Error"),
        ([str(changed[0] / "pancake.yaml"), str(tmp_path / "dangling.yaml")],
         "dangling.yaml#/paths/~1v1~1things/post/responses/200/content/application~1json/schema: "
         "$ref '#/components/schemas/Gone' resolves to nothing"),
        ([*map(str, changed), "--allow-list", str(tmp_path / "list.yaml")], "list.yaml: entry 1: not a mapping"),
    ]:
        result = pancake_mock("diff", *args)
        assert (result.returncode, result.stdout) == (2, ""), (args, result.stderr)
        assert result.stderr.startswith("pancake-mock diff: ") and message in result.stderr, (args, result.stderr)


# --- against a git ref ----------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60).stdout


def test_base_reads_the_contracts_at_a_git_ref(tmp_path):
    """control.yaml borrows from pancake.yaml by a relative $ref: at the ref, that is the ref's pancake.yaml."""
    repo = tmp_path / "repo"
    envelope_user = api(thing(responses={"400": {"description": "no", "content": {"application/json": {
        "schema": {"$ref": "./pancake.yaml#/components/schemas/ErrorEnvelope"}}}}}))
    write_contracts(repo / "openapi", {"pancake.yaml": with_errors({}), "control.yaml": envelope_user})
    git(repo, "init", "-q")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "contracts", "--allow-empty")
    git(repo, "add", "openapi")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "contracts")
    hinted = copy.deepcopy(ENVELOPE)
    hinted["properties"]["hint"] = {"type": "string"}
    write_contracts(repo / "openapi", {"pancake.yaml": with_errors({}, hinted)})

    report = compare(None, repo / "openapi", base="HEAD")
    assert report.old == "HEAD:openapi"
    assert [(c.rule, c.location) for c in report.changes] == [
        ("error-envelope-changed", f"{SCHEMAS}/ErrorEnvelope"),
        ("response-property-added", f"{SCHEMAS}/ErrorEnvelope/properties/hint"),
    ]
    assert report.changes[1].operations == ["createThing"]  # control.yaml's, through its $ref
    result = pancake_mock("diff", "--base", "HEAD", cwd=repo)  # NEW: openapi
    assert result.returncode == 1 and "[error-envelope-changed]" in result.stdout, result.stderr
    assert pancake_mock("diff", "--base", "HEAD~1", cwd=repo).stdout.count("[file-added]") == 2
    result = pancake_mock("diff", "--base", "no-such-ref", cwd=repo)
    assert result.returncode == 2 and result.stderr.startswith("pancake-mock diff: git rev-parse"), result.stderr
    result = pancake_mock("diff", "--base", "HEAD", str(tmp_path), cwd=repo)
    assert result.returncode == 2 and "not a git repository" in result.stderr, result.stderr


def test_this_contract_against_its_previous_commit(capsys):
    """The CI gate: this commit's contracts break nothing its parent promised (or acknowledge it)."""
    parent = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD~1^{commit}"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    base = "HEAD~1" if parent.returncode == 0 else "HEAD"
    if base == "HEAD":
        warnings.warn("no parent commit (a shallow clone or the first commit): the contracts are diffed against HEAD",
                      stacklevel=1)
    result = pancake_mock("diff", "--base", base, "openapi")
    with capsys.disabled():
        print(f"\n{result.stdout}{result.stderr}", end="")
    assert result.returncode == 0, result.stdout + result.stderr

"""The contract itself: valid OpenAPI 3.1, carrying the seed's error table, served as written."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource

from pancake_mock import contract
from pancake_mock.contract import SEED_ERRORS
from pancake_mock.domain import errors


@pytest.mark.parametrize("path", contract.DOCUMENTS, ids=lambda p: p.name)
def test_documents_are_valid_openapi_31(path):
    document = yaml.safe_load(path.read_text())
    assert document["openapi"].startswith("3.1")
    validate(contract.load(path))


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if isinstance(node.get("$ref"), str) else []) + [r for v in node.values() for r in _refs(v)]
    return [r for v in node for r in _refs(v)] if isinstance(node, list) else []


@pytest.mark.parametrize("path", [contract.API_SPEC, contract.CONTROL_SPEC], ids=lambda p: p.name)
def test_loaded_documents_stand_alone(path):
    """connexion follows local refs only: after load every ref is local and lands somewhere."""
    document = contract.load(path)
    resolver = Registry().with_resource("urn:loaded", Resource.opaque(document)).resolver("urn:loaded")
    refs = _refs(document)
    assert refs and all(ref.startswith("#/") for ref in refs)
    for ref in refs:
        resolver.lookup(ref)  # raises Unresolvable if the copy left one dangling
    if path == contract.CONTROL_SPEC:  # borrowed from pancake.yaml, with what it refers to in turn
        assert {"ErrorEnvelope", "BillingDetail", "TaxQuote"} <= set(document["components"]["schemas"])


def test_a_borrowed_schema_never_shadows_a_local_one(tmp_path):
    shutil.copy(contract.API_SPEC, tmp_path / contract.API_SPEC.name)
    control = yaml.safe_load(contract.CONTROL_SPEC.read_text(encoding="utf-8"))
    control["components"]["schemas"]["ErrorEnvelope"] = {"type": "object"}
    (tmp_path / "control.yaml").write_text(yaml.safe_dump(control), encoding="utf-8")
    with pytest.raises(ValueError, match="would shadow its own schemas 'ErrorEnvelope'"):
        contract.load(tmp_path / "control.yaml")


def _example_messages(response: dict) -> set[str]:
    content = response.get("content", {}).get("application/json", {})
    examples = [content["example"]] if "example" in content else [e["value"] for e in content.get("examples", {}).values()]
    return {error["message"] for example in examples for error in example.get("errors", [])}


def test_every_seed_error_is_documented_on_create_order():
    document = contract.load(contract.API_SPEC)
    responses = document["paths"]["/v1/actions/onetime-order/create-order"]["post"]["responses"]
    for status, message in SEED_ERRORS:
        assert message in _example_messages(responses[str(status)]), (status, message)


def test_every_seed_error_comes_from_the_catalogue():
    rendered = set()
    for problem in (p for p in vars(errors).values() if isinstance(p, errors.Problem)):
        try:
            error = problem.error(expected="onetime", field="checkoutSessionId")
        except KeyError:  # a template with other placeholders: no seed row
            continue
        rendered.add((error.status, error.message))
    for row in SEED_ERRORS:
        assert row in rendered, row


def test_error_messages_are_single_line_and_unique():
    problems = [p for p in vars(errors).values() if isinstance(p, errors.Problem)]
    assert all("\n" not in p.template for p in problems)
    keyed = [(p.status, p.template, p.layer) for p in problems]
    assert len(keyed) == len(set(keyed))


def test_create_session_links_to_both_create_orders():
    document = contract.load(contract.API_SPEC)
    links = document["paths"]["/v1/actions/checkout/create-session"]["post"]["responses"]["200"]["links"]
    operation_ids = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert {link["operationId"] for link in links.values()} == {"createOnetimeOrder", "createSubscriptionOrder"}
    assert {link["operationId"] for link in links.values()} <= operation_ids


def test_seeded_catalog_matches_the_contract(server):
    """Faker-made fixtures are contract data too: prices, ids and currencies must validate."""
    document = contract.load(contract.API_SPEC)

    def check(name: str, value) -> None:
        validator = Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]})
        errors_found = [e.message for e in validator.iter_errors(value)]
        assert not errors_found, (name, json.dumps(value), errors_found)

    creds = server.credentials
    assert len(creds["stores"]) >= 2
    types = set()
    for store in creds["stores"]:
        check("StoreId", store["id"])
        for product in store["products"]:
            types.add(product["type"])
            check("ProductId", product["id"])
            check("Prices", product["prices"])
            expected = {"onetime": ["USD", "EUR", "GBP", "HKD", "JPY", "CNY"],
                        "subscription": ["USD", "EUR", "GBP", "HKD", "JPY"]}[product["type"]]
            assert sorted(product["prices"]) == sorted(expected)
    assert types == {"onetime", "subscription"}
    assert {key["environment"] for key in creds["apiKeys"]} == {"test", "prod"}

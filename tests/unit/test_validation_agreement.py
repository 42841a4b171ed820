"""jsonschema-rs decides whether a body is valid and python-jsonschema words a refusal
(wire/validation.py): the fast one must never accept what the other refuses. Checked on every
request body schema of the contract, with values shaped to each property's schema and then
bent (wrong types, bounds, formats, unicode lookalikes, extra keys)."""

from __future__ import annotations

import itertools
import typing as t

import pytest
from connexion.json_schema import resolve_refs
from jsonschema import Draft202012Validator

from pancake_mock import contract
from pancake_mock.wire.validation import Schema

TEXTS = ["", "a", "A" * 300, "12", "١٢", "１２", "x y", "line\nbreak", "ünïcode", "ORD_" + "a1" * 11,
         "STO_" + "Ab" * 11, "PROD_" + "x9" * 11, "cs_00000000-0000-4000-8000-000000000000",
         "00000000-0000-4000-8000-000000000000", "https://example.com/a",
         "a@b.co", "EUR", "eur", "DE", "US", "29.00", "29.001", "-1", "customer", "saas", "onetime", "2026-12-01"]
NUMBERS = [0, -1, 1, 3600, 10**9, 10**20, 1.5, -0.0]
OTHERS = [True, False, None, [], {}, ["a"], {"k": "v"}]


def body_schemas() -> list[tuple[str, dict]]:
    spec = resolve_refs(contract.load(contract.API_SPEC))
    return [(f"{method} {path}", operation["requestBody"]["content"]["application/json"]["schema"])
            for path, item in spec["paths"].items() for method, operation in item.items()
            if isinstance(operation, dict) and "requestBody" in operation]


def candidates(schema: dict, depth: int = 0) -> list[t.Any]:
    """Values a property of this schema might be sent: some fitting it, most not."""
    values: list[t.Any] = [*TEXTS, *NUMBERS, *OTHERS, *schema.get("enum", ())]
    if depth < 2 and schema.get("type") == "object" or "properties" in schema:
        values += list(objects(schema, depth + 1))[:40]
    if depth < 2 and "items" in schema:
        values += [[item] for item in candidates(schema["items"], depth + 1)[:15]]
    return values


def objects(schema: dict, depth: int = 0) -> t.Iterator[dict]:
    """A base filling each property with a fitting-looking value, then one property bent at a time."""
    properties = schema.get("properties", {})
    base = {name: first_fit(sub) for name, sub in properties.items()}
    yield base
    yield {name: value for name, value in base.items() if name in schema.get("required", ())}
    yield {**base, "undocumented": 1}
    for name, sub in properties.items():
        yield {key: value for key, value in base.items() if key != name}
        for value in candidates(sub, depth):
            yield {**base, name: value}


def first_fit(schema: dict) -> t.Any:
    check = Draft202012Validator(schema)
    pool = itertools.chain(schema.get("enum", ()), built(schema), TEXTS, NUMBERS, OTHERS)
    return next((value for value in pool if check.is_valid(value)), "a")


def built(schema: dict) -> t.Iterator[t.Any]:
    """Objects and arrays made of fitting parts, for first_fit to try."""
    if "properties" in schema or "additionalProperties" in schema:
        made = {name: first_fit(sub) for name, sub in schema.get("properties", {}).items()}
        keys = schema.get("propertyNames", {}).get("enum", ())
        if keys and isinstance(schema.get("additionalProperties"), dict):
            made.update({key: first_fit(schema["additionalProperties"]) for key in keys[:1]})
        yield made
        yield {name: value for name, value in made.items() if name in schema.get("required", ())}
    if "items" in schema:
        yield [first_fit(schema["items"])]
        yield []


@pytest.mark.parametrize("name, schema", body_schemas(), ids=[name for name, _ in body_schemas()])
def test_jsonschema_rs_accepts_nothing_python_jsonschema_refuses(name, schema):
    checked = Schema(schema)
    worded = Draft202012Validator(schema)
    accepted = refused = 0
    for instance in objects(schema):
        fast_says_valid = checked._fast.is_valid(instance)
        assert not (fast_says_valid and not worded.is_valid(instance)), f"{name}: jsonschema-rs accepts {instance!r}"
        accepted += fast_says_valid
        refused += not fast_says_valid
    assert accepted and refused > 10  # the corpus reaches both sides of each schema

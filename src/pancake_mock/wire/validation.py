"""Request bodies checked against the contract (JSON Schema 2020-12), answered in our words.

connexion validates with Draft 4 and answers `application/problem+json` with the validator's
own text; the seed wants `Invalid JSON body` and `Missing required field: x`, and no message
may echo what the client sent. Field paths therefore name only properties the schema declares.
"""

from __future__ import annotations

import json
import math
import typing as t
from urllib.parse import parse_qsl

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ..adapters.store import storable_text
from ..domain import errors
from ..domain.errors import ApiError


def _not_json(constant: str) -> t.NoReturn:
    raise ValueError(f"{constant} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 would be read as infinity
        raise ValueError("number out of range")
    return value


# Strict JSON: NaN, Infinity and numbers beyond a double are refused, as RFC 8259 has them.
STRICT_JSON = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite)


def parse_json(raw: bytes, schema: dict) -> t.Any:
    """The body, whose every text the schema has a place for can be stored (what it has no place
    for is never read, so it may hold anything)."""
    try:
        body = STRICT_JSON.decode(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise errors.INVALID_JSON.error() from None
    if not _storable(body, schema):
        raise errors.INVALID_TEXT.error()
    return body


def parse_form(raw: bytes, declared: t.Container[str]) -> dict[str, str]:
    """The declared fields of an HTML form (`application/x-www-form-urlencoded`): a browser may send
    others (a button's name), which mean nothing here; a repeated name keeps its last value."""
    try:
        fields = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=100)
    except (UnicodeDecodeError, ValueError):
        raise errors.INVALID_FORM.error() from None
    return {name: value for name, value in fields if name in declared}


def _storable(value: t.Any, schema: t.Any) -> bool:
    """No NUL and no lone surrogate (JSON escapes allow both; UTF-8 and PostgreSQL text do not) in
    any place the schema declares: a property, an item, a key and value of a map."""
    if isinstance(value, str):
        return storable_text(value)
    if not isinstance(schema, dict):
        return schema is not True or _all_storable(value)
    if not all(_storable(value, branch) for combinator in ("allOf", "anyOf", "oneOf")
               for branch in schema.get(combinator, ())):
        return False
    if isinstance(value, dict):
        properties, extra = schema.get("properties", {}), schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                if not _storable(item, properties[key]):
                    return False
            elif extra is not None and extra is not False and not (storable_text(key) and _storable(item, extra)):
                return False
        return True
    if isinstance(value, list):
        return all(_storable(item, schema.get("items")) for item in value)
    return True


def _all_storable(value: t.Any) -> bool:
    """Every text of a value stored whole (a schema of `true`)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and not storable_text(item):
            return False
    return True


def _field(error: ValidationError, schema: dict) -> str:
    names: list[str] = []
    node: t.Any = schema
    for segment in error.absolute_path:
        node = node if isinstance(node, dict) else {}
        if isinstance(segment, int):
            names[-1:] = [f"{names[-1] if names else 'body'}[{segment}]"]
            node = node.get("items", {})
        elif segment in node.get("properties", {}):
            names.append(segment)
            node = node["properties"][segment]
        elif segment in node.get("propertyNames", {}).get("enum", ()):
            names.append(segment)  # a key the contract enumerates, e.g. a currency code
            node = node.get("additionalProperties", {})
        else:
            names.append("*")  # a client-chosen key: never echoed
            node = node.get("additionalProperties", {})
    return ".".join(names) or "body"


def _type_names(value: t.Any) -> str:
    names = value if isinstance(value, list) else [value]
    return " or ".join("null" if n == "null" else f"a{'n' if n[0] in 'aeiou' else ''} {n}" for n in names)


def to_api_error(error: ValidationError, schema: dict) -> ApiError:
    field = _field(error, schema)
    keyword, expected = error.validator, error.validator_value
    if keyword == "required":
        missing = next(name for name in expected if name not in error.instance)
        return errors.MISSING_FIELD.error(field=f"{field}.{missing}" if field != "body" else missing)
    if keyword == "minLength" and error.instance == "":
        return errors.MISSING_FIELD.error(field=field)
    if keyword == "type":
        return errors.INVALID_FIELD.error(field=field, expected=_type_names(expected))
    if keyword == "enum":
        return errors.UNKNOWN_FIELD_VALUE.error(field=field, allowed=", ".join(map(str, expected)))
    if keyword == "pattern":
        if "_[0-9A-Za-z]{22}" in expected:
            return errors.EXPECTED_FORMAT.error(prefix=expected[1:expected.index("_")])
        if field.endswith("amount"):
            return errors.INVALID_AMOUNT.error(field=field)
        return errors.INVALID_FIELD.error(field=field, expected="in the documented format")
    if keyword in ("minLength", "maxLength"):
        bound = "at least" if keyword == "minLength" else "at most"
        return errors.INVALID_FIELD.error(field=field, expected=f"{bound} {expected} characters")
    if keyword in ("minimum", "maximum"):
        low, high = error.schema.get("minimum"), error.schema.get("maximum")
        return errors.INVALID_FIELD.error(field=field, expected=f"between {low} and {high}")
    if keyword == "propertyNames":
        allowed = ", ".join(error.schema["propertyNames"].get("enum", ()))
        return errors.INVALID_FIELD.error(field=field, expected=f"keyed by one of {allowed}")
    if keyword == "additionalProperties":
        return errors.INVALID_FIELD.error(field=field, expected="free of undocumented properties")
    if keyword == "minProperties":
        return errors.INVALID_FIELD.error(field=field, expected="non-empty")
    if keyword in ("minItems", "maxItems"):
        bound = "at least" if keyword == "minItems" else "at most"
        return errors.INVALID_FIELD.error(field=field, expected=f"{bound} {expected} item{'' if expected == 1 else 's'}")
    if keyword == "uniqueItems":
        return errors.INVALID_FIELD.error(field=field, expected="free of duplicates")
    if keyword == "not" and list(expected) == ["required"]:  # the contract's "one or the other"
        return errors.EXCLUSIVE_FIELDS.error(fields=" and ".join(expected["required"]))
    return errors.INVALID_FIELD.error(field=field, expected="valid")


class Schema:
    """One schema of the contract. jsonschema-rs says whether a value is valid (in a few µs, where
    python-jsonschema takes about 100 µs for a create-order body); python-jsonschema, whose errors
    carry what the wording needs, has the last word on a value jsonschema-rs refuses."""

    def __init__(self, schema: dict):
        self.schema = schema
        self._fast = jsonschema_rs.Draft202012Validator(schema, validate_formats=False)
        self._worded = Draft202012Validator(schema)

    def check(self, instance: t.Any) -> None:
        try:
            if self._fast.is_valid(instance):
                return
        except ValueError:  # a value it cannot take in (a lone surrogate): python-jsonschema judges
            pass
        check(self._worded, instance, self.schema)


def check(validator: Draft202012Validator, instance: t.Any, schema: dict) -> None:
    """Raise the most useful error first: shallow before deep, a missing field before a wrong one."""
    found = sorted(
        validator.iter_errors(instance),
        key=lambda e: (len(e.absolute_path), e.validator != "required", [str(p) for p in e.absolute_path]),
    )
    if found:
        raise to_api_error(found[0], schema)

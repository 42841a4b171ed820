"""Dataclasses to JSON-shaped data and back: the one naming convention between the layers.

The domain names fields in snake_case; the wire shows the same names in camelCase and the store
keeps them as they are. `dump` and `load` walk dataclasses, Decimals (as their exact strings),
tuples, lists and dicts by the type hints, so no layer writes its own field-by-field mapping.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing as t
from datetime import datetime
from decimal import Decimal
from functools import cache

T = t.TypeVar("T")
Names = t.Callable[[str], str]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def same(name: str) -> str:
    return name


SCALARS = frozenset({str, int, float, bool, type(None)})


@cache
def _fields(kind: type, names: Names) -> tuple[tuple[str, str], ...] | None:
    """(attribute, key) per field of a dataclass type; None for any other type."""
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple((field.name, names(field.name)) for field in dataclasses.fields(kind))


def dump(value: t.Any, names: Names = camel) -> t.Any:
    """JSON-shaped data: dataclass fields under `names(field)`, Decimals as exact strings."""
    kind = type(value)
    if kind in SCALARS:
        return value
    fields = _fields(kind, names)
    if fields is not None:
        return {key: dump(getattr(value, attribute), names) for attribute, key in fields}
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (list, tuple)):
        return [dump(item, names) for item in value]
    if isinstance(value, dict):
        return {key: dump(item, names) for key, item in value.items()}
    return value


def present(value: t.Any, names: Names = camel) -> t.Any:
    """`dump(value)` without its null members: an optional field left unset is absent, not null."""
    return _without_nulls(dump(value, names))


def _without_nulls(data: t.Any) -> t.Any:
    if isinstance(data, dict):
        return {key: _without_nulls(item) for key, item in data.items() if item is not None}
    return data


@cache
def _plain(names: Names) -> t.Callable[[t.Any], t.Any]:
    """json's `default`: one level of a dataclass or a Decimal as JSON data."""
    def plain(value: t.Any) -> t.Any:
        fields = _fields(type(value), names)
        if fields is not None:
            return {key: getattr(value, attribute) for attribute, key in fields}
        if isinstance(value, Decimal):
            return f"{value:f}"
        raise TypeError(f"{type(value).__name__} is not JSON data")
    return plain


def timestamp(moment: datetime) -> str:
    """A moment as every layer shows it: ISO 8601 UTC with milliseconds."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_json(value: t.Any, names: Names = camel) -> str:
    """`json.dumps(dump(value, names))`, compact, with the walk done by json's C encoder: only
    dataclasses and Decimals come back to Python. Answers are written with it (views may hold
    domain values), and the store's JSON columns with `json_text`."""
    return json.dumps(value, default=_plain(names), separators=(",", ":"))


def json_text(value: t.Any) -> str:
    return to_json(value, same)


def load(kind: type[T], data: t.Any, names: Names = camel) -> T:
    """The inverse of `dump` for data already checked against its schema; unknown keys are ignored."""
    return _loader(kind, names)(data)


def _same_value(data: t.Any) -> t.Any:
    return data


@cache
def _loader(kind: t.Any, names: Names) -> t.Callable[[t.Any], t.Any]:
    """How to read data as `kind`, worked out once per type from its hints."""
    origin = t.get_origin(kind)
    if origin in (t.Union, types.UnionType):
        return _loader(next(arg for arg in t.get_args(kind) if arg is not type(None)), names)
    if dataclasses.is_dataclass(kind):
        hints = t.get_type_hints(kind)
        fields = [(field.name, names(field.name), _loader(hints[field.name], names))
                  for field in dataclasses.fields(kind)]
        # Scalars are taken as they are; only the other fields are read by their own loaders.
        taken = tuple((name, key) for name, key, read in fields if read is _same_value)
        read_fields = tuple(field for field in fields if field[2] is not _same_value)

        def dataclass_value(data: t.Any) -> t.Any:
            values = {name: data[key] for name, key in taken if key in data}
            for name, key, read in read_fields:
                if key in data:
                    values[name] = read(data[key])
            return kind(**values)
        return _nullable(dataclass_value)
    if origin in (tuple, list):
        read_item = _loader(t.get_args(kind)[0], names)
        return _nullable(lambda data: origin([read_item(item) for item in data]))
    if origin is dict:
        read_value = _loader(t.get_args(kind)[1], names)
        return _nullable(lambda data: {key: read_value(item) for key, item in data.items()})
    if kind is Decimal:
        return _nullable(Decimal)
    return _same_value


def _nullable(read: t.Callable[[t.Any], t.Any]) -> t.Callable[[t.Any], t.Any]:
    return lambda data: None if data is None else read(data)

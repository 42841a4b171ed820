"""Dataclasses to JSON-shaped data and back: the one naming convention between the layers.

The domain names fields in snake_case; the wire shows the same names in camelCase and the store
keeps them as they are. `dump` and `load` walk dataclasses, Decimals (as their exact strings),
tuples, lists and dicts by the type hints, so no layer writes its own field-by-field mapping.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing as t
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


def dump(value: t.Any, names: Names = camel) -> t.Any:
    """JSON-shaped data: dataclass fields under `names(field)`, Decimals as exact strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {names(f.name): dump(getattr(value, f.name), names) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (list, tuple)):
        return [dump(item, names) for item in value]
    if isinstance(value, dict):
        return {key: dump(item, names) for key, item in value.items()}
    return value


def load(kind: type[T], data: t.Any, names: Names = camel) -> T:
    """The inverse of `dump` for data already checked against its schema; unknown keys are ignored."""
    return _load(kind, data, names)


@cache
def _hints(kind: type) -> dict[str, t.Any]:
    return t.get_type_hints(kind)


def _load(kind: t.Any, data: t.Any, names: Names) -> t.Any:
    if data is None:
        return None
    origin = t.get_origin(kind)
    if origin in (t.Union, types.UnionType):
        return _load(next(arg for arg in t.get_args(kind) if arg is not type(None)), data, names)
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        values = {}
        for field in dataclasses.fields(kind):
            key = names(field.name)
            if key in data:
                values[field.name] = _load(hints[field.name], data[key], names)
        return kind(**values)
    if origin is tuple:
        return tuple(_load(t.get_args(kind)[0], item, names) for item in data)
    if origin is list:
        return [_load(t.get_args(kind)[0], item, names) for item in data]
    if origin is dict:
        return {key: _load(t.get_args(kind)[1], item, names) for key, item in data.items()}
    if kind is Decimal:
        return Decimal(data)
    return data

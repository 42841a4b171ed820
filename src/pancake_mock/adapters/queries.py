"""The read model's selections (domain/reads.py) as SQL: conditions on an entity's columns, and
`Within` as `IN (SELECT key ...)`, so a page of payments of visible orders is one statement.

A statement is built once per shape (which fields, which operators, how many values in an `in`,
the order, count or rows) and its values bound by position; text that no store can hold (a NUL)
matches nothing, so it never reaches the database.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Integer, and_, bindparam, false, func, select, true
from sqlalchemy.sql.elements import ColumnElement

from ..domain.reads import Within
from .sql import Statement

# Comparisons that take their value as it is; the LIKE ones take a pattern (escaped with "/").
_COMPARE = {"eq": "__eq__", "ne": "__ne__", "gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__"}
_PATTERNS = {"contains": "%{}%", "starts_with": "{}%", "ends_with": "%{}"}


def shape_and_values(where: tuple, storable) -> tuple[tuple, list[Any]]:
    """The statement's shape (a cache key) and its values in order. A condition on text no store can
    hold is settled here: `ne` holds for every row (the shape drops it), anything else for none."""
    values: list[Any] = []

    def walk(conditions: tuple) -> tuple:
        shape = []
        for condition in conditions:
            if isinstance(condition, Within):
                shape.append(("within", condition.field, condition.kind, walk(condition.where)))
                continue
            value = condition.value
            if condition.op == "in":
                kept = tuple(item for item in value if not isinstance(item, str) or storable(item))
                values.extend(kept)
                shape.append((condition.field, "in", len(kept)))
            elif isinstance(value, str) and not storable(value):
                shape.append((condition.field, "always" if condition.op == "ne" else "never", 0))
            else:
                values.append(_PATTERNS[condition.op].format(_escape(value)) if condition.op in _PATTERNS else value)
                shape.append((condition.field, condition.op, 1))
        return tuple(shape)

    return walk(where), values


@cache
def statement(table_of, kind: type, shape: tuple, order: tuple[str, ...], descending: bool, counting: bool,
              limited: bool) -> Statement:
    """The SELECT of this shape: rows in order (a page of them when `limited`), or their count."""
    table = table_of(kind)
    number = iter(range(10**6))
    where = _clauses(table_of, kind, shape, number)
    if counting:
        return Statement(select(func.count()).select_from(table).where(where))
    columns = [table.c[name].desc() if descending else table.c[name] for name in order]
    query = select(table).where(where).order_by(*columns)
    if limited:
        query = query.limit(bindparam("limit", type_=Integer())).offset(bindparam("offset", type_=Integer()))
    return Statement(query)


def _clauses(table_of, kind: type, shape: tuple, number) -> ColumnElement:
    table = table_of(kind)
    clauses = []
    for part in shape:
        if part[0] == "within":
            _, field, inner_kind, inner_shape = part
            inner = table_of(inner_kind)
            key = next(iter(inner.primary_key.columns))
            clauses.append(table.c[field].in_(select(key).where(_clauses(table_of, inner_kind, inner_shape, number))))
            continue
        field, op, count = part
        column = table.c[field]
        if op == "always":
            clauses.append(true())
        elif op == "never" or (op == "in" and count == 0):
            clauses.append(false())
        elif op == "in":
            clauses.append(column.in_([bindparam(f"p{next(number)}", type_=column.type) for _ in range(count)]))
        elif op in _PATTERNS:
            clauses.append(column.like(bindparam(f"p{next(number)}", type_=column.type), escape="/"))
        else:
            clauses.append(getattr(column, _COMPARE[op])(bindparam(f"p{next(number)}", type_=column.type)))
    return and_(true(), *clauses)


def params(values: list[Any], limit: int | None = None, offset: int = 0) -> dict[str, Any]:
    bound = {f"p{n}": value for n, value in enumerate(values)}
    bound.update(limit=limit, offset=offset)
    return bound


def _escape(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


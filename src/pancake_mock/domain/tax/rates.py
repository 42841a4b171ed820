"""The dated rate table (rates.toml) and its "as of" look-up."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib.resources import files

from .. import errors
from .jurisdictions import country_of
from .model import TAX_CATEGORIES

# Who pays a row's tax; documented at the top of rates.toml.
SCOPES = ("b2b_and_b2c", "b2c_reverse_charge", "b2c_business_exempt", "b2b_only")


@dataclass(frozen=True)
class RateRow:
    jurisdiction: str
    tax: str
    rate: Decimal
    effective_from: date
    scope: str
    categories: frozenset[str]
    source: str


class RateTable:
    def __init__(self, rows: list[RateRow], coverage_from: date):
        self.coverage_from = coverage_from
        self._by_jurisdiction: dict[str, list[RateRow]] = defaultdict(list)
        self._by_country: dict[str, list[RateRow]] = defaultdict(list)
        for row in rows:
            self._by_jurisdiction[row.jurisdiction].append(row)
            self._by_country[country_of(row.jurisdiction)].append(row)

    def in_force(self, jurisdiction: str, on: date) -> tuple[RateRow, ...]:
        """Per tax and scope, the row with the latest start on or before `on`, in file order."""
        self._check_covered(on)
        latest: dict[tuple[str, str], RateRow] = {}
        for row in self._by_jurisdiction.get(jurisdiction, ()):
            key = (row.tax, row.scope)
            if row.effective_from <= on and (key not in latest or row.effective_from > latest[key].effective_from):
                latest[key] = row
        return tuple(latest.values())

    def collects_in(self, country: str, on: date) -> bool:
        """Whether the seller is registered anywhere in `country` on that date."""
        self._check_covered(on)
        return any(row.effective_from <= on for row in self._by_country.get(country, ()))

    def _check_covered(self, on: date) -> None:
        # Rows dated coverageFrom may be older; what applied before that date is not recorded.
        if on < self.coverage_from:
            raise errors.TAX_DATE_NOT_COVERED.error(first=self.coverage_from.isoformat())


def load_rate_table(text: str) -> RateTable:
    """Parse and check rates.toml; a bad edit fails at import, not at a buyer's checkout."""
    data = tomllib.loads(text)
    coverage_from: date = data["coverageFrom"]
    groups = {name: frozenset(members) for name, members in data["categories"].items()}
    for name, members in groups.items():
        if not members <= set(TAX_CATEGORIES):
            raise ValueError(f"category group {name} has unknown categories {sorted(members - set(TAX_CATEGORIES))}")
    rows = [_row(entry, groups, coverage_from) for entry in data["rates"]]
    starts = [(row.jurisdiction, row.tax, row.scope, row.effective_from) for row in rows]
    if len(set(starts)) != len(starts):
        raise ValueError("two rows share jurisdiction, tax, scope and effectiveFrom")
    return RateTable(rows, coverage_from)


def _row(entry: dict, groups: dict[str, frozenset[str]], coverage_from: date) -> RateRow:
    where = f"{entry['jurisdiction']} {entry['tax']}"
    # A TOML float would already have lost the exact rate: only strings become Decimals.
    if not isinstance(entry["rate"], str) or not Decimal("0") <= Decimal(entry["rate"]) < 1:
        raise ValueError(f"{where}: rate must be a decimal fraction string such as \"0.19\"")
    if entry["scope"] not in SCOPES:
        raise ValueError(f"{where}: scope must be one of {SCOPES}")
    if entry["effectiveFrom"] < coverage_from:
        raise ValueError(f"{where}: effectiveFrom is before coverageFrom")
    if entry.get("categories", "all") not in groups:
        raise ValueError(f"{where}: categories must name a group in [categories]")
    return RateRow(
        jurisdiction=entry["jurisdiction"],
        tax=entry["tax"],
        rate=Decimal(entry["rate"]),
        effective_from=entry["effectiveFrom"],
        scope=entry["scope"],
        categories=groups[entry.get("categories", "all")],
        source=entry["source"],
    )


RATE_TABLE = load_rate_table(files(__package__).joinpath("rates.toml").read_text(encoding="utf-8"))

"""The rate table as data: the packaged file's shape, "as of" look-ups, and the loader's checks."""

from datetime import date
from decimal import Decimal

import pytest

from pancake_mock.domain.errors import ApiError

from pancake_mock.domain.tax.jurisdictions import EU_VAT_PREFIXES
from pancake_mock.domain.tax.rates import RATE_TABLE, load_rate_table

HEADER = """
coverageFrom = 2023-01-01
[categories]
all = ["saas", "ebook"]
"""


def table(*rows: str):
    # TOML keys after a [table] header belong to it, so the rates array goes first.
    return load_rate_table("rates = [\n" + ",\n".join(rows) + "\n]\n" + HEADER)


def row(jurisdiction="XX", tax="VAT", rate='"0.10"', start="2023-01-01", scope="b2b_and_b2c", extra=""):
    return (f'{{ jurisdiction = "{jurisdiction}", tax = "{tax}", rate = {rate}, effectiveFrom = {start}, '
            f'scope = "{scope}", source = "test"{extra} }}')


def taxes_and_rates(rows):
    return [(r.tax, r.rate) for r in rows]


@pytest.mark.parametrize("member_state", sorted(EU_VAT_PREFIXES))
def test_every_member_state_has_one_vat_rate_today(member_state):
    rows = RATE_TABLE.in_force(member_state, date(2026, 11, 30))
    assert [(r.tax, r.scope) for r in rows] == [("VAT", "b2c_reverse_charge")]
    assert Decimal("0.16") <= rows[0].rate <= Decimal("0.27") and rows[0].source


def test_a_change_is_a_new_row_and_the_latest_started_row_wins():
    rates = table(row(rate='"0.10"'), row(tax="QST", rate='"0.05"'), row(rate='"0.12"', start="2024-01-01"))
    before = taxes_and_rates(rates.in_force("XX", date(2023, 12, 31)))
    after = taxes_and_rates(rates.in_force("XX", date(2024, 1, 1)))
    # The changed tax keeps its place: lines come out in file order.
    assert before == [("VAT", Decimal("0.10")), ("QST", Decimal("0.05"))]
    assert after == [("VAT", Decimal("0.12")), ("QST", Decimal("0.05"))]


def test_a_row_not_yet_in_force_is_ignored_and_the_country_not_yet_collected():
    rates = table(row(jurisdiction="XX-AB", start="2025-01-01"))
    assert rates.in_force("XX-AB", date(2024, 12, 31)) == ()
    assert not rates.collects_in("XX", date(2024, 12, 31))
    assert rates.collects_in("XX", date(2025, 1, 1))


def test_dates_before_the_coverage_are_refused():
    with pytest.raises(ApiError, match="No tax rates are recorded before 2023-01-01"):
        RATE_TABLE.in_force("DE", date(2022, 12, 31))
    with pytest.raises(ApiError):
        RATE_TABLE.collects_in("DE", date(2022, 12, 31))


@pytest.mark.parametrize("bad_row", [
    row(rate="0.10"),                               # a float: already inexact
    row(rate='"1.5"'),
    row(rate='"-0.01"'),
    row(scope="b2b"),
    row(start="2022-12-31"),
    row(extra=', categories = "software"'),         # not a group
])
def test_the_loader_refuses_bad_rows(bad_row):
    with pytest.raises(ValueError):
        table(bad_row)


def test_the_loader_refuses_two_rows_starting_the_same_day():
    with pytest.raises(ValueError, match="share"):
        table(row(), row(rate='"0.11"'))


def test_the_loader_refuses_unknown_categories_in_a_group():
    with pytest.raises(ValueError, match="crypto"):
        load_rate_table(f"rates = [{row()}]\n" + HEADER + 'odd = ["saas", "crypto"]\n')

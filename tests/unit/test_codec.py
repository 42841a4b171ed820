"""The codec: one naming convention, and the store's JSON text the same as dump's data."""

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from pancake_mock import codec
from pancake_mock.domain import tax
from pancake_mock.domain.model import PriceInfo, SessionOptions


def a_quote() -> tax.TaxResult:
    return tax.compute_tax(billing=tax.BillingDetail(country="DE", is_business=False), subtotal=Decimal("29.00"),
                           currency="EUR", tax_category="saas", as_of=datetime(2026, 12, 1, tzinfo=timezone.utc),
                           buyer_ip=None)


@pytest.mark.parametrize("value", [a_quote(), PriceInfo("29.00", "saas"), {"EUR": PriceInfo("4500", "ebook")},
                                   SessionOptions("A book", ("card", "paypal"), dark_mode=True), [Decimal("0.1")], None])
def test_json_text_is_the_json_of_dump_and_loads_back(value):
    assert json.loads(codec.json_text(value)) == codec.dump(value, codec.same)
    assert json.loads(codec.to_json(value)) == codec.dump(value)
    kind = type(value)
    if kind in (tax.TaxResult, PriceInfo, SessionOptions):
        assert codec.load(kind, json.loads(codec.json_text(value)), codec.same) == value


def test_what_is_not_json_data_is_refused():
    with pytest.raises(TypeError):
        codec.json_text({"when": datetime(2026, 1, 1)})


def test_wire_names_are_camel_case():
    assert codec.dump(PriceInfo("9.99", "saas", "1.00")) == {"amount": "9.99", "taxCategory": "saas", "trialAmount": "1.00"}
    assert codec.load(PriceInfo, {"amount": "1.00", "taxCategory": "saas"}) == PriceInfo("1.00", "saas")


def test_present_leaves_unset_fields_out_at_every_level():
    prices = {"USD": PriceInfo("9.99", "saas"), "EUR": PriceInfo("8.99", "saas", "1.00")}
    assert codec.present(prices) == {"USD": {"amount": "9.99", "taxCategory": "saas"},
                                     "EUR": {"amount": "8.99", "taxCategory": "saas", "trialAmount": "1.00"}}

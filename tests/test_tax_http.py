"""Tax over HTTP: preview-tax and create-order agree, and an order keeps the tax it was charged."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from importlib.resources import files

import pytest

from support import MockServer, error_of

PREVIEW = "/v1/actions/checkout/preview-tax"


def preview(api, body: dict, *, store: int = 0, environment: str = "test"):
    headers = {"X-Store-Slug": api.stores[store]["slug"], "X-Environment": environment}
    return api.send("POST", PREVIEW, json=body, headers=headers)


def priced_session(api, currency: str, amount: str, category: str = "saas") -> str:
    return api.create_session(currency=currency, priceSnapshot={"amount": amount, "taxCategory": category})


CASES = {
    "germany-b2c": ("EUR", "100.00", {"country": "DE", "isBusiness": False},
                    ("standard_rated", "19.00", [("DE", "VAT", "0.19", "19.00")])),
    "germany-b2b-reverse-charge": ("EUR", "100.00", {"country": "de", "isBusiness": True, "businessName": "ACME GmbH",
                                                     "taxId": "DE 136 695 976"},
                                   ("reverse_charge", "0.00", [("DE", "VAT", "0", "0.00")])),
    "quebec-two-lines": ("USD", "10.00", {"country": "CA", "isBusiness": False, "state": "QC"},
                         ("standard_rated", "1.50", [("CA-QC", "GST", "0.05", "0.50"), ("CA-QC", "QST", "0.09975", "1.00")])),
    "japan-whole-yen": ("JPY", "1005", {"country": "JP", "isBusiness": False},
                        ("standard_rated", "101", [("JP", "Consumption tax", "0.1", "101")])),
    "canary-islands": ("EUR", "50.00", {"country": "ES", "isBusiness": False, "postcode": "35001"},
                       ("outside_tax_area", "0.00", [])),
    "washington-saas": ("USD", "80.00", {"country": "US", "isBusiness": False, "state": "wa"},
                        ("standard_rated", "5.20", [("US-WA", "Sales tax", "0.065", "5.20")])),
    "oregon-no-sales-tax": ("USD", "80.00", {"country": "US", "isBusiness": False, "state": "OR"},
                            ("not_subject_to_tax", "0.00", [])),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_preview_and_order_charge_the_same(api, case):
    currency, amount, billing, (treatment, tax_amount, lines) = CASES[case]
    session = priced_session(api, currency, amount)
    quoted = preview(api, {"checkoutSessionId": session, "billingDetail": billing, "buyerIp": "192.0.2.10"})
    assert quoted.status_code == 200, quoted.text
    quote = quoted.json()["data"]
    assert quote["treatment"] == treatment
    assert quote["taxAmount"] == tax_amount
    assert [(line["jurisdiction"], line["name"], line["rate"], line["amount"]) for line in quote["lines"]] == lines
    assert Decimal(quote["total"]) == Decimal(quote["subtotal"]) + Decimal(quote["taxAmount"])
    assert api.orders() == [] and api.session_record(session)["status"] == "open"  # a preview writes nothing

    body = {"checkoutSessionId": session, "buyerEmail": "tax@example.com", "billingDetail": billing, "buyerIp": "192.0.2.10"}
    assert api.create_order(body).status_code == 200
    assert api.orders(session)[0]["priceSnapshot"] == quote


def test_ip_evidence_is_recorded_not_acted_on(api):
    session = priced_session(api, "EUR", "10.00")
    body = {"checkoutSessionId": session, "billingDetail": {"country": "DE", "isBusiness": False}, "buyerIp": "192.0.2.200"}
    quote = preview(api, body).json()["data"]
    assert quote["lines"][0]["jurisdiction"] == "DE"
    assert quote["locationEvidence"] == {"billingCountry": "DE", "ipCountry": "US", "consistent": False}


@pytest.mark.parametrize(
    ("billing", "message"),
    [
        ({"country": "UK", "isBusiness": False}, "Invalid billingDetail.country: expected an ISO 3166-1 alpha-2 code"),
        ({"country": "EL", "isBusiness": False}, "Invalid billingDetail.country: expected an ISO 3166-1 alpha-2 code"),
        ({"country": "US", "isBusiness": False}, "State is required for US/CA"),
        ({"country": "US", "isBusiness": False, "state": "ZZ"}, "Invalid billingDetail.state for US"),
        ({"country": "DE", "isBusiness": True, "businessName": "A"}, "taxId is required for EU business purchases"),
        ({"country": "DE", "isBusiness": True, "businessName": "A", "taxId": "DE136695978"},
         "Invalid taxId: not a valid VAT number for DE"),
        ({"country": "DE", "isBusiness": True, "businessName": "A", "taxId": "FR40303265045"},
         "taxId does not belong to billing country DE"),
        ({"country": "DE", "isBusiness": True, "taxId": "DE136695976"}, "businessName is required when isBusiness is true"),
    ],
)
def test_invalid_billing_is_the_same_400_on_both(api, billing, message):
    session = api.create_session()
    assert error_of(preview(api, {"checkoutSessionId": session, "billingDetail": billing})) == (400, message)
    body = {"checkoutSessionId": session, "buyerEmail": "a@b.co", "billingDetail": billing}
    assert error_of(api.create_order(body)) == (400, message)


def test_preview_uses_the_prefilled_billing_detail(api):
    session = api.create_session(currency="GBP", billingDetail={"country": "GB", "isBusiness": False})
    quote = preview(api, {"checkoutSessionId": session}).json()["data"]
    assert quote["lines"] == [{"jurisdiction": "GB", "name": "VAT", "rate": "0.2",
                               "amount": quote["taxAmount"]}]


def test_preview_guards(api):
    session = api.create_session()
    assert error_of(preview(api, {"checkoutSessionId": session})) == (
        400, "Missing billingDetail: provide in request body or pre-fill in checkout session")
    billing = {"country": "DE", "isBusiness": False}
    assert error_of(preview(api, {"checkoutSessionId": session, "billingDetail": billing}, store=1)) == (
        403, "Session does not belong to this store")
    assert error_of(preview(api, {"checkoutSessionId": session, "billingDetail": billing}, environment="prod")) == (
        400, "Environment mismatch between request and session")
    assert error_of(preview(api, {"checkoutSessionId": "cs_gone", "billingDetail": billing})) == (
        409, "Checkout session invalid, please re-enter checkout")


def test_order_keeps_its_tax_when_the_rate_table_and_product_change(tmp_path):
    packaged = files("pancake_mock.domain.tax").joinpath("rates.toml").read_text(encoding="utf-8")
    de_row = re.search(r'^  \{ jurisdiction = "DE", tax = "VAT".*$', packaged, re.M).group(0)
    # A dated rate change, as a real one is made: a new row from a day already past.
    raised = de_row.replace('rate = "0.19"', 'rate = "0.25"').replace("effectiveFrom = 2023-01-01", "effectiveFrom = 2026-01-01")
    edited = tmp_path / "rates.toml"
    edited.write_text(packaged.replace(de_row, de_row + "\n" + raised), encoding="utf-8")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    billing = {"country": "DE", "isBusiness": False}

    with MockServer.start(data_dir) as server:
        api = server.client()
        product = api.product()
        session = api.create_session(product["id"], "EUR")
        assert api.create_order({"checkoutSessionId": session, "buyerEmail": "a@b.co", "billingDetail": billing}).status_code == 200
        [before] = api.orders(session)
        assert before["priceSnapshot"]["taxRate"] == "0.19"
        api.signed("/v1/actions/onetime-product/update-product",
                   {"id": product["id"], "prices": {"EUR": {"amount": "1.00", "taxCategory": "saas"}}})

    with MockServer.start(data_dir, "--tax-rates", str(edited)) as server:
        api = server.client()
        assert api.orders(session) == [before]
        later = api.create_session(product["id"], "EUR")
        assert api.create_order({"checkoutSessionId": later, "buyerEmail": "a@b.co", "billingDetail": billing}).status_code == 200
        snapshot = api.orders(later)[0]["priceSnapshot"]
        assert (snapshot["subtotal"], snapshot["taxRate"], snapshot["taxAmount"]) == ("1.00", "0.25", "0.25")


def test_an_unusable_rate_table_stops_the_start_with_a_clear_error(tmp_path):
    broken = tmp_path / "rates.toml"
    broken.write_text('rates = [ { jurisdiction = "DE" } ]\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pancake_mock", "serve", "--data-dir", str(tmp_path / "d"),
                             "--tax-rates", str(broken)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"pancake-mock: cannot load {broken}" in result.stderr

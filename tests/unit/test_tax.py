"""compute_tax: every regime, the dated rate changes, rounding, and the buyer-IP evidence.

Expected figures are worked by hand from shared/reference/tax-rules.md, on a 100.00 subtotal unless
a test says otherwise.
"""

import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal as D

import pytest

from pancake_mock.domain import errors
from pancake_mock.domain.errors import ApiError
from pancake_mock.domain.tax import (
    DEFAULT_SELLER,
    TAX_CATEGORIES,
    TREATMENTS,
    BillingDetail,
    SellerEstablishment,
    TaxResult,
    compute_tax,
    normalize_billing,
)

TODAY = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def quote(country, *, amount="100.00", currency="EUR", category="saas", on=TODAY, ip=None,
          seller=DEFAULT_SELLER, is_business=False, **billing):
    if is_business:
        billing.setdefault("business_name", "Acme")
    normalized = normalize_billing(BillingDetail(country, is_business, **billing))
    return Quoted(compute_tax(billing=normalized, subtotal=D(amount), currency=currency, tax_category=category,
                              as_of=on, buyer_ip=ip, seller=seller), normalized)


@dataclass(frozen=True)
class Quoted:
    """A tax result with the normalized billing detail it was computed for."""

    result: TaxResult
    billing: BillingDetail

    def __getattr__(self, name):
        return getattr(self.result, name)


def at(year, month, day):
    return datetime(year, month, day, tzinfo=timezone.utc)


def lines(result):
    return [(line.jurisdiction, line.name, line.rate, line.amount) for line in result.lines]


def untaxed(result, treatment):
    return result.treatment == treatment and result.lines == () and result.tax_amount == 0 and result.tax_rate == 0


# ---- EU ----

def test_eu_consumer_pays_destination_vat():
    result = quote("DE")
    assert result.treatment == "standard_rated"
    assert lines(result) == [("DE", "VAT", D("0.19"), D("19.00"))]
    assert (result.subtotal, result.tax_amount, result.total, result.tax_rate) == (D("100.00"), D("19.00"), D("119.00"), D("0.19"))


@pytest.mark.parametrize("country, tax", [("FR", "20.00"), ("HU", "27.00"), ("LU", "17.00"), ("GR", "24.00"), ("IE", "23.00")])
def test_other_member_states(country, tax):
    assert quote(country).tax_amount == D(tax)


def test_eu_business_with_a_valid_vat_number_is_reverse_charged_and_recorded():
    result = quote("DE", is_business=True, tax_id="DE136695976")
    assert result.treatment == "reverse_charge"
    assert lines(result) == [("DE", "VAT", D("0"), D("0.00"))]
    assert (result.tax_amount, result.total, result.tax_rate) == (D("0.00"), D("100.00"), D("0"))


def test_greek_business_is_reverse_charged_under_the_iso_jurisdiction():
    result = quote(" gr ", is_business=True, tax_id="el 094 259 216")
    assert result.treatment == "reverse_charge" and lines(result) == [("GR", "VAT", D("0"), D("0.00"))]
    assert result.billing.tax_id == "EL094259216"


def test_seller_established_in_the_buyers_member_state_charges_local_vat():
    result = quote("DE", is_business=True, tax_id="DE136695976", seller=SellerEstablishment("de"))
    assert result.treatment == "standard_rated" and result.tax_amount == D("19.00")


def test_seller_established_in_another_member_state_still_reverse_charges():
    assert quote("DE", is_business=True, tax_id="DE136695976", seller=SellerEstablishment("IE")).treatment == "reverse_charge"


def test_eu_seller_charges_consumers_of_another_state_their_own_rate():
    assert lines(quote("FR", seller=SellerEstablishment("DE"))) == [("FR", "VAT", D("0.20"), D("20.00"))]


def test_a_consumer_tax_id_changes_nothing():
    assert quote("DE", tax_id="DE136695976").tax_amount == D("19.00")


def test_eu_business_without_a_vat_number_is_refused():
    with pytest.raises(ApiError) as caught:
        quote("DE", is_business=True)
    assert caught.value.message == errors.TAX_ID_REQUIRED.template


def test_monaco_is_taxed_as_france():
    result = quote("MC")
    assert lines(result) == [("FR", "VAT", D("0.20"), D("20.00"))] and result.billing.country == "MC"
    assert quote("MC", is_business=True, tax_id="FR53000004605").treatment == "reverse_charge"
    # A French-established seller supplies Monaco domestically.
    assert quote("MC", is_business=True, tax_id="FR53000004605", seller=SellerEstablishment("FR")).tax_amount == D("20.00")


@pytest.mark.parametrize("country, fields", [
    ("ES", {"postcode": "35001"}),      # Las Palmas (Canary Islands)
    ("ES", {"postcode": "38001"}),      # Santa Cruz de Tenerife
    ("ES", {"postcode": "51001"}),      # Ceuta
    ("ES", {"postcode": "52001"}),      # Melilla
    ("ES", {"state": "cn"}),
    ("ES", {"state": "TF"}),
    ("FI", {"postcode": "22100"}),      # Åland
    ("FI", {"postcode": "AX-22100"}),
    ("FI", {"state": "01"}),
    ("DE", {"postcode": "27498"}),      # Heligoland
    ("DE", {"postcode": "78266"}),      # Büsingen
    ("IT", {"postcode": "23041"}),      # Livigno
    ("IT", {"postcode": "22061"}),      # Campione d'Italia
    ("GR", {"postcode": "630 86"}),     # Mount Athos
    ("FR", {"postcode": "97200"}),      # Martinique under FR
    ("AX", {}), ("GP", {}), ("MQ", {}), ("GF", {}), ("RE", {}), ("YT", {}), ("MF", {}),
])
def test_territories_outside_the_eu_vat_area(country, fields):
    assert untaxed(quote(country, **fields), "outside_tax_area")


@pytest.mark.parametrize("country, postcode, tax", [
    ("ES", "28001", "21.00"), ("FI", "00100", "25.50"), ("DE", "10115", "19.00"),
    ("IT", "00184", "22.00"), ("GR", "10431", "24.00"), ("FR", "75001", "20.00"),
])
def test_the_mainland_next_to_each_excluded_postcode_is_taxed(country, postcode, tax):
    assert quote(country, postcode=postcode).tax_amount == D(tax)


def test_canary_business_needs_no_vat_number_and_pays_nothing():
    assert untaxed(quote("ES", is_business=True, postcode="38001"), "outside_tax_area")


# ---- UK, EFTA and the other listed regimes ----

def test_uk_consumer_pays_20_percent_including_northern_ireland_and_isle_of_man():
    assert lines(quote("GB", postcode="BT1 1AA")) == [("GB", "VAT", D("0.20"), D("20.00"))]
    assert lines(quote("IM")) == [("GB", "VAT", D("0.20"), D("20.00"))]


@pytest.mark.parametrize("country, tax_id", [("GB", "GB 980 7806 84"), ("GB", "XI980780684"), ("IM", "GB980780684")])
def test_uk_business_with_a_valid_vat_number_is_reverse_charged(country, tax_id):
    result = quote(country, is_business=True, tax_id=tax_id)
    assert result.treatment == "reverse_charge" and lines(result) == [("GB", "VAT", D("0"), D("0.00"))]


def test_uk_business_with_an_invalid_number_is_charged_as_a_consumer():
    assert quote("GB", is_business=True, tax_id="GB123456789").tax_amount == D("20.00")


def test_uk_established_seller_charges_uk_businesses():
    assert quote("IM", is_business=True, tax_id="GB980780684", seller=SellerEstablishment("GB")).tax_amount == D("20.00")


@pytest.mark.parametrize("country, tax_id, name, rate", [
    ("AU", "83 914 571 673", "GST", "0.10"),
    ("NZ", "49-091-850", "GST", "0.15"),
    ("IN", "27AAPFU0939F1ZV", "GST", "0.18"),
    ("KR", "134-86-72683", "VAT", "0.10"),
    ("SG", "00192200M", "GST", "0.09"),
    ("NO", "NO 995 525 828 MVA", "VAT", "0.25"),
])
def test_b2c_only_regimes_charge_consumers_and_reverse_charge_registered_businesses(country, tax_id, name, rate):
    assert lines(quote(country)) == [(country, name, D(rate), D(rate) * 100)]
    business = quote(country, is_business=True, tax_id=tax_id)
    assert business.treatment == "reverse_charge" and lines(business) == [(country, name, D("0"), D("0.00"))]


@pytest.mark.parametrize("country, tax_id", [("AU", "83 914 571 674"), ("AU", None), ("AE", "100000000000003")])
def test_a_business_that_cannot_prove_registration_is_charged(country, tax_id):
    # AE: python-stdnum has no validator, so the number cannot be checked offline.
    assert quote(country, is_business=True, tax_id=tax_id).treatment == "standard_rated"


def test_domestic_seller_charges_registered_businesses_in_b2c_only_regimes():
    result = quote("AU", is_business=True, tax_id="83914571673", seller=SellerEstablishment("AU"))
    assert result.tax_amount == D("10.00")


@pytest.mark.parametrize("country, tax_id, name, tax", [
    ("CH", "CHE-107.787.577 IVA", "VAT", "8.10"),
    ("LI", None, "VAT", "8.10"),
    ("IS", None, "VAT", "24.00"),
    ("JP", "5835678256246", "Consumption tax", "10.00"),
    ("ZA", None, "VAT", "15.00"),
    ("MX", None, "VAT", "16.00"),
])
def test_b2b_and_b2c_regimes_charge_businesses_too(country, tax_id, name, tax):
    result = quote(country, is_business=True, tax_id=tax_id)
    assert result.treatment == "standard_rated" and [(l.name, l.amount) for l in result.lines] == [(name, D(tax))]


@pytest.mark.parametrize("country", ["JE", "GG", "AD", "SM", "VA", "BR", "CN", "RU", "BL"])
def test_everything_else_is_not_collected(country):
    assert untaxed(quote(country), "not_collecting")


# ---- Canada ----

CANADA = {
    "AB": [("GST", "0.05", "5.00")], "NT": [("GST", "0.05", "5.00")], "NU": [("GST", "0.05", "5.00")],
    "YT": [("GST", "0.05", "5.00")], "ON": [("HST", "0.13", "13.00")], "NS": [("HST", "0.14", "14.00")],
    "NB": [("HST", "0.15", "15.00")], "NL": [("HST", "0.15", "15.00")], "PE": [("HST", "0.15", "15.00")],
    "BC": [("GST", "0.05", "5.00"), ("PST", "0.07", "7.00")],
    "MB": [("GST", "0.05", "5.00"), ("RST", "0.07", "7.00")],
    "SK": [("GST", "0.05", "5.00"), ("PST", "0.06", "6.00")],
    "QC": [("GST", "0.05", "5.00"), ("QST", "0.09975", "9.98")],   # 9.975 rounds half-up
}


@pytest.mark.parametrize("province", sorted(CANADA))
def test_each_canadian_province_with_one_line_per_tax(province):
    result = quote("CA", state=province.lower(), currency="CAD")
    expected = [(f"CA-{province}", name, D(rate), D(amount)) for name, rate, amount in CANADA[province]]
    assert lines(result) == expected
    assert result.tax_amount == sum(D(amount) for _, _, amount in CANADA[province])
    assert result.total == D("100.00") + result.tax_amount


def test_quebec_rounds_gst_and_qst_separately():
    # 1.10 × 5 % = 0.055 → 0.06; 1.10 × 9.975 % = 0.109725 → 0.11; on the combined 14.975 % it would be 0.16.
    result = quote("CA", state="QC", amount="1.10", currency="CAD")
    assert [line.amount for line in result.lines] == [D("0.06"), D("0.11")]
    assert (result.tax_amount, result.total, result.tax_rate) == (D("0.17"), D("1.27"), D("0.14975"))


def test_quebec_business_with_a_business_number_is_reverse_charged_on_both_taxes():
    result = quote("CA", state="QC", currency="CAD", is_business=True, tax_id="123456782")
    assert result.treatment == "reverse_charge"
    assert lines(result) == [("CA-QC", "GST", D("0"), D("0.00")), ("CA-QC", "QST", D("0"), D("0.00"))]


def test_bc_pst_is_charged_to_businesses_too():
    result = quote("CA", state="BC", currency="CAD", is_business=True, tax_id="123456782")
    assert result.treatment == "standard_rated"
    assert lines(result) == [("CA-BC", "GST", D("0"), D("0.00")), ("CA-BC", "PST", D("0.07"), D("7.00"))]


def test_canadian_business_without_a_valid_number_pays_everything():
    assert quote("CA", state="SK", currency="CAD", is_business=True, tax_id="123456789").tax_amount == D("11.00")


def test_canadian_seller_charges_canadian_businesses():
    result = quote("CA", state="QC", currency="CAD", is_business=True, tax_id="123456782", seller=SellerEstablishment("CA"))
    assert result.tax_amount == D("14.98")


# ---- United States ----

@pytest.mark.parametrize("state, name, tax", [
    ("WA", "Sales tax", "6.50"), ("TX", "Sales tax", "5.00"), ("NY", "Sales tax", "4.00"),
    ("PA", "Sales tax", "6.00"), ("AZ", "Transaction privilege tax", "5.60"), ("UT", "Sales tax", "4.85"),
    ("MS", "Sales tax", "7.00"), ("DC", "Sales tax", "7.00"), ("KY", "Sales tax", "6.00"),
    ("LA", "Sales tax", "5.00"), ("NM", "Gross receipts tax", "4.88"), ("HI", "General excise tax", "4.00"),
    ("pr", "Sales and use tax", "11.50"),
])
def test_saas_taxable_states(state, name, tax):
    result = quote("US", state=state, currency="USD")
    assert [(l.jurisdiction, l.name, l.amount) for l in result.lines] == [(f"US-{state.upper()}", name, D(tax))]


@pytest.mark.parametrize("state", ["CA", "FL", "IL", "GA", "OR", "DE", "MT", "NH", "AK", "CO", "AL", "VT"])
def test_saas_is_not_taxed_in_these_states(state):
    # "CA" here is California, not Canada.
    assert untaxed(quote("US", state=state, currency="USD"), "not_subject_to_tax")


@pytest.mark.parametrize("state, category, tax", [
    ("CO", "ebook", "2.90"), ("CO", "digital_goods", "2.90"), ("NJ", "ebook", "6.63"),
    ("NC", "software", "4.75"), ("MN", "online_course", "6.88"), ("AL", "digital_goods", "4.00"),
    ("VT", "ebook", "6.00"), ("WA", "ebook", "6.50"), ("TX", "software", "5.00"),
])
def test_downloaded_products_are_taxed_in_more_states(state, category, tax):
    assert quote("US", state=state, currency="USD", category=category).tax_amount == D(tax)


@pytest.mark.parametrize("state, category, treatment, tax", [
    ("HI", "consulting", "standard_rated", "4.00"),
    ("NM", "professional_service", "standard_rated", "4.88"),
    ("WA", "consulting", "not_subject_to_tax", "0.00"),
    ("TX", "professional_service", "not_subject_to_tax", "0.00"),
])
def test_services_are_taxed_only_by_gross_receipts_taxes(state, category, treatment, tax):
    result = quote("US", state=state, currency="USD", category=category)
    assert (result.treatment, result.tax_amount) == (treatment, D(tax))


def test_ohio_taxes_business_use_only():
    assert untaxed(quote("US", state="OH", currency="USD"), "not_subject_to_tax")
    assert lines(quote("US", state="OH", currency="USD", is_business=True)) == [("US-OH", "Sales tax", D("0.0575"), D("5.75"))]


def test_iowa_exempts_business_use():
    assert quote("US", state="IA", currency="USD").tax_amount == D("6.00")
    assert untaxed(quote("US", state="IA", currency="USD", is_business=True), "business_exempt")


@pytest.mark.parametrize("state, on, consumer, business", [
    ("CT", TODAY, "6.35", "1.00"),
    ("MD", at(2025, 6, 30), "6.00", "6.00"),
    ("MD", at(2025, 7, 1), "6.00", "3.00"),
    ("PR", TODAY, "11.50", "4.00"),
])
def test_separate_consumer_and_business_rates(state, on, consumer, business):
    assert quote("US", state=state, currency="USD", on=on).tax_amount == D(consumer)
    business_result = quote("US", state=state, currency="USD", on=on, is_business=True)
    assert business_result.treatment == "standard_rated" and business_result.tax_amount == D(business)
    assert len(business_result.lines) == 1


def test_puerto_rico_by_its_own_iso_code():
    assert lines(quote("PR", currency="USD")) == [("US-PR", "Sales and use tax", D("0.115"), D("11.50"))]


@pytest.mark.parametrize("state", ["GU", "VI", "AS", "MP", "UM"])
def test_other_us_outlying_areas_are_not_collected(state):
    assert untaxed(quote("US", state=state, currency="USD"), "not_collecting")


def test_us_state_is_normalized():
    result = quote(" us ", state=" tx ", currency="usd")
    assert (result.billing.country, result.billing.state, result.currency, result.tax_amount) == ("US", "TX", "USD", D("5.00"))


def test_canada_the_country_is_not_california_the_state():
    assert quote("CA", state="ON", currency="CAD").tax_amount == D("13.00")
    assert quote("US", state="CA", currency="USD").tax_amount == D("0.00")


# ---- Dated rates: the day before and the day of each change ----

@pytest.mark.parametrize("country, fields, on, rate", [
    ("EE", {}, at(2023, 12, 31), "0.20"), ("EE", {}, at(2024, 1, 1), "0.22"),
    ("EE", {}, at(2025, 6, 30), "0.22"), ("EE", {}, at(2025, 7, 1), "0.24"),
    ("FI", {}, at(2024, 8, 31), "0.24"), ("FI", {}, datetime(2024, 9, 1, 0, 0), "0.255"),
    ("SK", {}, at(2024, 12, 31), "0.20"), ("SK", {}, at(2025, 1, 1), "0.23"),
    ("RO", {}, at(2025, 7, 31), "0.19"), ("RO", {}, at(2025, 8, 1), "0.21"),
    ("LU", {}, at(2023, 6, 1), "0.16"), ("LU", {}, at(2024, 1, 1), "0.17"),
    ("CH", {}, at(2023, 12, 31), "0.077"), ("CH", {}, at(2024, 1, 1), "0.081"),
    ("SG", {}, at(2023, 12, 31), "0.08"), ("SG", {}, at(2024, 1, 1), "0.09"),
    ("TR", {}, at(2023, 7, 9), "0.18"), ("TR", {}, at(2023, 7, 10), "0.20"),
    ("MY", {}, at(2024, 2, 29), "0.06"), ("MY", {}, at(2024, 3, 1), "0.08"),
    ("CA", {"state": "NS"}, at(2025, 3, 31), "0.15"), ("CA", {"state": "NS"}, at(2025, 4, 1), "0.14"),
    ("US", {"state": "DC"}, at(2025, 9, 30), "0.06"), ("US", {"state": "DC"}, at(2025, 10, 1), "0.065"),
    ("US", {"state": "DC"}, at(2026, 9, 30), "0.065"), ("US", {"state": "DC"}, at(2026, 10, 1), "0.07"),
    ("US", {"state": "LA"}, at(2025, 1, 1), "0.05"), ("US", {"state": "LA"}, at(2030, 1, 1), "0.0475"),
    ("US", {"state": "SD"}, at(2023, 6, 30), "0.045"), ("US", {"state": "SD"}, at(2023, 7, 1), "0.042"),
    ("US", {"state": "NM"}, at(2023, 6, 30), "0.05"), ("US", {"state": "NM"}, at(2023, 7, 1), "0.04875"),
    ("US", {"state": "KY"}, at(2023, 1, 1), "0.06"),
])
def test_rates_as_of_the_day_before_and_the_day_of_a_change(country, fields, on, rate):
    result = quote(country, on=on, **fields)
    assert result.treatment == "standard_rated" and result.tax_rate == D(rate)


def test_louisiana_saas_was_not_taxable_before_2025():
    assert untaxed(quote("US", state="LA", currency="USD", on=at(2024, 12, 31)), "not_subject_to_tax")


def test_dates_before_the_rate_table_are_refused():
    with pytest.raises(ApiError):
        quote("DE", on=at(2022, 12, 31))


# ---- Rounding: half-up per line to the currency's minor unit ----

@pytest.mark.parametrize("country, amount, currency, tax, total", [
    ("HR", "0.10", "EUR", "0.03", "0.13"),         # 0.025: exactly half a cent rounds up (half-even gives 0.02)
    ("NL", "2.50", "EUR", "0.53", "3.03"),         # 0.525
    ("DE", "0.50", "EUR", "0.10", "0.60"),         # 0.095
    ("JP", "1005", "JPY", "101", "1106"),          # 100.5 yen: no decimals, rounds up
    ("JP", "1000", "JPY", "100", "1100"),
    ("KR", "9999", "KRW", "1000", "10999"),        # 999.9 won
    ("BH", "1.005", "BHD", "0.101", "1.106"),      # three decimals: 0.1005
    ("DE", "1.234", "KWD", "0.234", "1.468"),      # 0.23446
    ("DE", "9.999", "USD", "1.90", "11.90"),       # the subtotal is rounded to 10.00 first
])
def test_rounding(country, amount, currency, tax, total):
    result = quote(country, amount=amount, currency=currency)
    # str() pins the number of decimals shown: "101" for yen, never "101.00".
    assert (str(result.tax_amount), str(result.total)) == (tax, total)


def test_a_free_order_still_reports_its_treatment():
    result = quote("DE", amount="0")
    assert result.treatment == "standard_rated" and lines(result) == [("DE", "VAT", D("0.19"), D("0.00"))]
    assert (str(result.tax_amount), str(result.total)) == ("0.00", "0.00")


def test_a_negative_subtotal_is_a_programming_error():
    with pytest.raises(ValueError):
        quote("DE", amount="-1.00")


@pytest.mark.parametrize("case", [
    {"country": "CA", "state": "QC", "currency": "CAD"},
    {"country": "CA", "state": "BC", "currency": "CAD", "is_business": True, "tax_id": "123456782"},
    {"country": "DE", "is_business": True, "tax_id": "DE136695976"},
    {"country": "FI"}, {"country": "JP", "currency": "JPY"}, {"country": "US", "state": "IA", "is_business": True},
    {"country": "ES", "postcode": "35001"}, {"country": "BR"},
])
@pytest.mark.parametrize("amount", ["0.01", "0.05", "1.10", "9.99", "19.995", "1234.56"])
def test_totals_always_add_up(case, amount):
    result = quote(amount=amount, **case)
    assert result.tax_amount == sum(line.amount for line in result.lines)
    assert result.total == result.subtotal + result.tax_amount
    assert result.tax_rate == sum((line.rate for line in result.lines), D(0))
    assert result.treatment in TREATMENTS
    assert all(isinstance(value, D) for value in (result.subtotal, result.tax_amount, result.total, result.tax_rate))


# ---- Categories, normalization, evidence, determinism ----

@pytest.mark.parametrize("category", TAX_CATEGORIES)
def test_every_category_takes_the_destination_rate_outside_the_us(category):
    result = quote("DE", category=category)
    assert result.tax_amount == D("19.00") and result.tax_category == category


def test_an_unknown_category_is_refused_with_the_allowed_values():
    with pytest.raises(ApiError) as caught:
        quote("DE", category="crypto")
    assert caught.value.message == (
        "Invalid field: taxCategory must be one of digital_goods, saas, software, ebook, online_course, "
        "consulting, professional_service")


def test_the_result_carries_the_normalized_billing_detail():
    result = quote(" gr ", is_business=True, business_name=" Acme SA ", tax_id="el 094 259 216", postcode=" 10431 ")
    assert result.billing == BillingDetail("GR", True, "10431", None, "Acme SA", "EL094259216")


def test_ip_evidence_is_recorded_and_never_changes_the_tax():
    matching = quote("DE", ip="192.0.2.10")
    contradicting = quote("DE", ip="192.0.2.200")   # a US fixture address
    unknown = quote("DE", ip="not-an-ip")
    assert (matching.location_evidence.ip_country, matching.location_evidence.consistent) == ("DE", True)
    assert (contradicting.location_evidence.ip_country, contradicting.location_evidence.consistent) == ("US", False)
    assert (unknown.location_evidence.ip_country, unknown.location_evidence.consistent) == (None, None)
    assert matching.tax_amount == contradicting.tax_amount == unknown.tax_amount == D("19.00")
    assert contradicting.location_evidence.billing_country == "DE"


def test_the_same_request_gives_the_same_result():
    assert quote("CA", state="QC", currency="CAD", ip="198.51.100.5") == quote("CA", state="QC", currency="CAD", ip="198.51.100.5")


def test_no_network_is_used(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the tax engine must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    assert quote("DE", is_business=True, tax_id="DE136695976", ip="2001:db8:de::1").treatment == "reverse_charge"
    assert quote("GB", is_business=True, tax_id="GB980780684", ip="8.8.8.8").location_evidence.ip_country is None

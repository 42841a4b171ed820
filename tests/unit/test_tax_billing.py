"""normalize_billing: ISO codes, US/CA state, business name, and offline EU VAT-number checks."""

import pytest

from pancake_mock.domain import errors
from pancake_mock.domain.errors import ApiError
from pancake_mock.domain.tax import BillingDetail, normalize_billing


def rejected(billing: BillingDetail) -> ApiError:
    with pytest.raises(ApiError) as caught:
        normalize_billing(billing)
    assert caught.value.status == 400
    return caught.value


def business(country: str, tax_id: str | None, **fields) -> BillingDetail:
    return BillingDetail(country, True, business_name="Acme", tax_id=tax_id, **fields)


def test_codes_are_stripped_and_upper_cased():
    assert normalize_billing(BillingDetail(" de ", False, postcode=" 10115 ")) == BillingDetail("DE", False, "10115")
    assert normalize_billing(BillingDetail("fr", False)).country == "FR"
    us = normalize_billing(BillingDetail(" us", False, state=" tx ", postcode="73301"))
    assert (us.country, us.state) == ("US", "TX")
    assert normalize_billing(BillingDetail("GB", False, postcode=" bt1 1aa ")).postcode == "BT1 1AA"


def test_business_fields_are_stripped_and_the_vat_number_compacted():
    billing = normalize_billing(BillingDetail(" gr ", True, business_name="  Acme SA ", tax_id="el 094 259 216"))
    assert billing == BillingDetail("GR", True, None, None, "Acme SA", "EL094259216")


@pytest.mark.parametrize("billing", [
    BillingDetail(" de ", True, business_name=" Acme ", tax_id="de 136.695.976"),
    BillingDetail("us", True, state="oh", business_name="Acme"),
    BillingDetail("GB", True, business_name="Acme", tax_id="gb 980 7806 84"),
    BillingDetail("GR", True, business_name="Acme", tax_id="094259216"),
])
def test_normalizing_twice_changes_nothing(billing):
    once = normalize_billing(billing)
    assert normalize_billing(once) == once


@pytest.mark.parametrize("country", ["UK", "EL", "XI", "EU", "IC", "XK", "uk", "", "   ", None, "DEU", "D", "1A", "ÜK"])
def test_country_must_be_iso_3166_1_alpha_2(country):
    error = rejected(BillingDetail(country, False))
    assert error.message == errors.INVALID_COUNTRY.template


@pytest.mark.parametrize("country, state", [("US", None), ("US", "  "), ("CA", None), ("ca", "")])
def test_us_and_ca_need_a_state(country, state):
    # The hard contract message, verbatim from the seed document.
    assert rejected(BillingDetail(country, False, state=state)).message == "State is required for US/CA"


def test_a_canadian_postcode_does_not_stand_in_for_the_province():
    assert rejected(BillingDetail("CA", False, postcode="H2X 1Y4")).message == "State is required for US/CA"


@pytest.mark.parametrize("country, state", [("US", "ZZ"), ("US", "AE"), ("US", "AA"), ("CA", "ZZ"), ("CA", "TX"), ("US", "QC")])
def test_state_must_be_an_iso_3166_2_subdivision(country, state):
    # US military codes (APO/FPO AA/AE/AP) are no ISO subdivision: refused.
    assert rejected(BillingDetail(country, False, state=state)).message == f"Invalid billingDetail.state for {country}"


@pytest.mark.parametrize("country, state", [("US", "dc"), ("US", "PR"), ("US", "CA"), ("CA", "qc"), ("CA", "NU")])
def test_valid_subdivisions_including_dc_and_puerto_rico(country, state):
    assert normalize_billing(BillingDetail(country, False, state=state)).state == state.upper()


def test_state_outside_us_and_ca_is_kept_but_not_validated():
    assert normalize_billing(BillingDetail("DE", False, state=" bavaria ")).state == "BAVARIA"


def test_messages_never_echo_client_input():
    state_error = rejected(BillingDetail("US", False, state="<script>"))
    tax_id_error = rejected(business("DE", "DE<script>1"))
    assert "script" not in state_error.message.lower() and "script" not in tax_id_error.message.lower()


@pytest.mark.parametrize("country, name", [("DE", None), ("DE", "   "), ("US", None), ("JP", "")])
def test_business_purchases_need_a_business_name(country, name):
    billing = BillingDetail(country, True, state="NY" if country == "US" else None, business_name=name, tax_id="DE136695976")
    assert rejected(billing).message == errors.BUSINESS_NAME_REQUIRED.template


@pytest.mark.parametrize("country, tax_id", [("DE", None), ("DE", "  "), ("DE", " - . "), ("MC", None)])
def test_eu_business_purchases_need_a_vat_number(country, tax_id):
    assert rejected(business(country, tax_id)).message == errors.TAX_ID_REQUIRED.template


# One known-good number per member state (tax-rules.md §7, checked there with stdnum 2.2).
VALID_EU_NUMBERS = {
    "AT": "ATU13585627", "BE": "BE 0403.019.261", "BG": "BG175074752", "HR": "HR33392005961", "CY": "CY10259033P",
    "CZ": "CZ25123891", "DK": "DK13585628", "EE": "EE100931558", "FI": "FI20774740", "FR": "Fr 40 303 265 045",
    "DE": "DE 136,695 976", "GR": "EL094259216", "HU": "HU12892312", "IE": "IE6433435F", "IT": "IT00743110157",
    "LV": "LV40003521600", "LT": "LT119511515", "LU": "LU15027442", "MT": "MT11679112", "NL": "NL 0044.95.445.B01",
    "PL": "PL8567346215", "PT": "PT501964843", "RO": "RO18547290", "SK": "SK2022749619", "SI": "SI50223054",
    "ES": "ESA13585625", "SE": "SE123456789701",
}


@pytest.mark.parametrize("country", sorted(VALID_EU_NUMBERS))
def test_a_valid_vat_number_of_each_member_state_is_accepted(country):
    number = normalize_billing(business(country, VALID_EU_NUMBERS[country])).tax_id
    assert number == VALID_EU_NUMBERS[country].replace(" ", "").replace(".", "").replace(",", "").upper()


def test_second_irish_format_is_accepted():
    assert normalize_billing(business("IE", "IE8D79739I")).tax_id == "IE8D79739I"


@pytest.mark.parametrize("country, national, full", [
    ("DE", "136695976", "DE136695976"),
    ("GR", "094 259 216", "EL094259216"),
    ("AT", "U13585627", "ATU13585627"),
    ("ES", "A13585625", "ESA13585625"),
    ("NL", "004495445B01", "NL004495445B01"),
])
def test_a_national_number_without_prefix_gets_the_vies_prefix(country, national, full):
    assert normalize_billing(business(country, national)).tax_id == full


def test_greek_number_with_the_iso_prefix_is_rewritten_to_el():
    # stdnum accepts GR as an alias, VIES only knows EL: normalize rather than reject.
    assert normalize_billing(business("GR", "GR094259216")).tax_id == "EL094259216"


def test_el_is_a_vat_prefix_not_a_country():
    assert rejected(business("EL", "EL094259216")).message == errors.INVALID_COUNTRY.template


@pytest.mark.parametrize("country, tax_id", [
    ("DE", "DE136695978"),     # bad checksum
    ("DE", "136695978"),       # bad checksum, prefix-less
    ("DE", "DE12345"),         # bad length
    ("DE", "EU372022452"),     # non-Union OSS number: identifies a seller, not a buyer
    ("DE", "IM2760000019"),    # import OSS number
    ("DE", "GB980780684"),     # a UK number is no EU VAT number
    ("FR", "ZZ123456789"),     # unknown prefix
])
def test_invalid_vat_numbers_are_refused(country, tax_id):
    assert rejected(business(country, tax_id)).message == f"Invalid taxId: not a valid VAT number for {country}"


@pytest.mark.parametrize("country, tax_id", [
    ("DE", "FR40303265045"),
    ("FR", "EL094259216"),
    ("DE", "GR094259216"),
    ("IE", "XI980780684"),     # Northern Ireland's XI prefix is for goods only
    ("MC", "DE136695976"),     # Monaco uses French numbers
])
def test_a_valid_number_of_another_state_is_a_mismatch(country, tax_id):
    assert rejected(business(country, tax_id)).message == f"taxId does not belong to billing country {country}"


def test_monaco_business_uses_a_french_vat_number():
    assert normalize_billing(business("MC", "FR53000004605")).tax_id == "FR53000004605"


def test_a_consumer_tax_id_is_ignored_not_validated():
    billing = normalize_billing(BillingDetail("DE", False, tax_id="not a number"))
    assert billing.tax_id == "NOTANUMBER"


@pytest.mark.parametrize("billing", [
    business("ES", None, postcode="35001"),   # Canary Islands
    business("ES", None, state="CN"),
    business("FI", None, postcode="22100"),   # Åland
    business("AX", None),
])
def test_no_vat_number_is_required_outside_the_eu_vat_area(billing):
    assert normalize_billing(billing).tax_id is None


def test_a_non_eu_business_number_is_never_an_error():
    assert normalize_billing(business("GB", "gb-123")).tax_id == "GB123"
    assert normalize_billing(business("AU", None)).tax_id is None

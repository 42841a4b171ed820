"""billingDetail normalisation and validation, offline: pycountry for ISO codes, python-stdnum for tax IDs."""

from __future__ import annotations

from dataclasses import replace

import pycountry
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.util import clean

from .. import errors
from .jurisdictions import EU_VAT_PREFIXES, STATE_COUNTRIES, tax_jurisdiction
from .model import BillingDetail

# Non-Union OSS (EU…) and import OSS (IM…) numbers register a seller for the OSS, never a buyer;
# stdnum accepts them as VAT numbers, VIES does not.
_OSS_PREFIXES = ("EU", "IM")


def normalize_billing(raw: BillingDetail) -> BillingDetail:
    """Upper-case and strip the codes, compact the tax ID, and reject what the contract forbids.

    Idempotent: normalizing a normalized billing detail returns it unchanged.
    """
    country = _code(raw.country)
    if not _is_iso_country(country):
        raise errors.INVALID_COUNTRY.error()
    state = _code(raw.state) or None
    if country in STATE_COUNTRIES:
        if state is None:
            raise errors.STATE_REQUIRED.error()
        if pycountry.subdivisions.get(code=f"{country}-{state}") is None:
            raise errors.INVALID_STATE.error(country=country)
    business_name = _text(raw.business_name)
    if raw.is_business and business_name is None:
        raise errors.BUSINESS_NAME_REQUIRED.error()
    tax_id = clean(raw.tax_id or "", " -./,:").upper() or None
    billing = BillingDetail(country, raw.is_business, _code(raw.postcode) or None, state, business_name, tax_id)
    # Only inside the EU VAT area does the contract make the VAT number a condition of a business purchase.
    jurisdiction = tax_jurisdiction(billing)
    if billing.is_business and jurisdiction in EU_VAT_PREFIXES:
        billing = replace(billing, tax_id=_buyer_vat_number(tax_id, country, EU_VAT_PREFIXES[jurisdiction]))
    return billing


def proves_registration(billing: BillingDetail, tax_country: str) -> bool:
    """Whether a business buyer proved a VAT/GST registration in `tax_country`.

    In the EU VAT area normalize_billing has already insisted on a valid VAT number. Elsewhere the
    contract gives taxId no meaning, so a number stdnum cannot confirm is no error: the sale stays B2C.
    """
    if not billing.is_business:
        return False
    if tax_country in EU_VAT_PREFIXES:
        return True
    validator = get_cc_module(tax_country.lower(), "vat")
    return bool(billing.tax_id) and validator is not None and validator.is_valid(billing.tax_id)


def _code(value: str | None) -> str:
    return (value or "").strip().upper()


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _is_iso_country(code: str) -> bool:
    # pycountry knows ISO 3166-1 only, so UK, EL, XI, EU and IC are refused here.
    return len(code) == 2 and code.isascii() and code.isalpha() and pycountry.countries.get(alpha_2=code) is not None


def _buyer_vat_number(tax_id: str | None, country: str, prefix: str) -> str:
    """The buyer's VAT number in VIES form, checked offline (format and checksum only, never VIES itself)."""
    if tax_id is None:
        raise errors.TAX_ID_REQUIRED.error()
    # A national number without its prefix gets the billing country's: "136695976" → "DE136695976".
    number = tax_id if tax_id[:2].isalpha() else prefix + tax_id
    if number.startswith("GR"):  # stdnum's alias for Greece; VIES only knows EL
        number = "EL" + number[2:]
    if number.startswith(_OSS_PREFIXES) or not eu_vat.is_valid(number):
        raise errors.INVALID_TAX_ID.error(country=country)
    if number[:2] != prefix:
        raise errors.TAX_ID_COUNTRY_MISMATCH.error(country=country)
    return eu_vat.compact(number)

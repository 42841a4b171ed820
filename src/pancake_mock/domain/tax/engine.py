"""compute_tax: which taxes a sale bears, and how much, on a given date."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from .. import errors
from ..money import quantize
from .billing import proves_registration
from .evidence import DEFAULT_IP_MAP, IpMap
from .jurisdictions import TAXED_AS, country_of, tax_jurisdiction
from .model import DEFAULT_SELLER, TAX_CATEGORIES, BillingDetail, SellerEstablishment, TaxLine, TaxResult
from .rates import RATE_TABLE, RateRow, RateTable

_ZERO = Decimal("0")


def compute_tax(
    *,
    billing: BillingDetail,
    subtotal: Decimal,
    currency: str,
    tax_category: str,
    as_of: datetime,
    buyer_ip: str | None = None,
    seller: SellerEstablishment = DEFAULT_SELLER,
    rates: RateTable = RATE_TABLE,
    ip_map: IpMap = DEFAULT_IP_MAP,
) -> TaxResult:
    """Tax on a tax-exclusive `subtotal`, each line rounded half-up to the currency's minor unit.

    `billing` is normalized already (`normalize_billing`): it is checked once, where it enters.

    `rates` and `ip_map` default to the packaged data files; a deployment may load its own.
    """
    if tax_category not in TAX_CATEGORIES:
        raise errors.UNKNOWN_FIELD_VALUE.error(field="taxCategory", allowed=", ".join(TAX_CATEGORIES))
    if subtotal < 0:
        raise ValueError("subtotal must not be negative")
    currency = currency.upper()
    subtotal = quantize(subtotal, currency)
    treatment, charges = _assess(rates, billing, tax_category, as_of.date(), _seller_country(seller))
    lines = tuple(
        TaxLine(row.jurisdiction, row.tax, rate.normalize(), quantize(subtotal * rate, currency)) for row, rate in charges
    )
    tax_amount = sum((line.amount for line in lines), quantize(_ZERO, currency))
    return TaxResult(
        currency=currency,
        subtotal=subtotal,
        tax_amount=tax_amount,
        total=subtotal + tax_amount,
        tax_category=tax_category,
        tax_rate=sum((line.rate for line in lines), _ZERO).normalize(),
        treatment=treatment,
        lines=lines,
        location_evidence=ip_map.evidence(billing.country, buyer_ip),
    )


def _assess(
    rates: RateTable, billing: BillingDetail, category: str, on: date, seller_country: str | None
) -> tuple[str, list[tuple[RateRow, Decimal]]]:
    """The treatment, and each tax row with the rate this buyer bears (0 when reverse-charged)."""
    jurisdiction = tax_jurisdiction(billing)
    if jurisdiction is None:
        return "outside_tax_area", []
    country = country_of(jurisdiction)
    if not rates.collects_in(country, on):
        return "not_collecting", []
    # A seller established in the buyer's country makes a domestic supply: no reverse charge.
    self_accounting = seller_country != country and proves_registration(billing, country)
    charges: list[tuple[RateRow, Decimal]] = []
    charged = business_exempt = False
    for row in rates.in_force(jurisdiction, on):
        if category not in row.categories or (row.scope == "b2b_only" and not billing.is_business):
            continue
        if row.scope == "b2c_business_exempt" and billing.is_business:
            business_exempt = True
        elif row.scope == "b2c_reverse_charge" and self_accounting:
            charges.append((row, _ZERO))  # recorded, so the invoice can say "reverse charge"
        else:
            charged = True
            charges.append((row, row.rate))
    if charged:
        return "standard_rated", charges
    if charges:  # every line is a reverse charge
        return "reverse_charge", charges
    return ("business_exempt" if business_exempt else "not_subject_to_tax"), charges


def _seller_country(seller: SellerEstablishment) -> str | None:
    code = (seller.country or "").strip().upper()
    return country_of(TAXED_AS.get(code, code)) if code else None

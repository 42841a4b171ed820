"""The tax engine's values: what goes in (billing, seller) and what comes out (result, lines, evidence)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Waffo's TaxCategory enum, in the SDK's order.
TAX_CATEGORIES = ("digital_goods", "saas", "software", "ebook", "online_course", "consulting", "professional_service")

# How a sale was taxed; the closest Stripe `taxability_reason` has the same name where one exists.
TREATMENTS = (
    "standard_rated",       # at least one tax is charged
    "reverse_charge",       # a registered business accounts for the tax itself: 0 %, recorded as zero-rated lines
    "business_exempt",      # a consumer-only sales tax (e.g. Iowa SaaS) and the buyer declared business use
    "not_subject_to_tax",   # the seller collects in that country, but this sale is not taxable there
    "outside_tax_area",     # a territory outside its country's VAT area (Canary Islands, Åland, DOMs …)
    "not_collecting",       # the seller is not registered in that country: nothing is collected
)


@dataclass(frozen=True)
class BillingDetail:
    country: str
    is_business: bool
    postcode: str | None = None
    state: str | None = None
    business_name: str | None = None
    tax_id: str | None = None


@dataclass(frozen=True)
class SellerEstablishment:
    """Where the merchant of record is established; None means outside the EU, the UK and every listed jurisdiction."""

    country: str | None = None


DEFAULT_SELLER = SellerEstablishment()


@dataclass(frozen=True)
class TaxLine:
    jurisdiction: str  # "DE", "CA-QC", "US-WA"
    name: str          # "VAT", "GST", "QST", "Sales tax", "Consumption tax"
    rate: Decimal      # decimal fraction: Decimal("0.19")
    amount: Decimal    # rounded to the currency's minor unit


@dataclass(frozen=True)
class LocationEvidence:
    billing_country: str
    ip_country: str | None
    consistent: bool | None  # None when there is no IP or the IP is not in the fixture map


@dataclass(frozen=True)
class TaxResult:
    currency: str
    subtotal: Decimal
    tax_amount: Decimal  # sum of the line amounts
    total: Decimal       # subtotal + tax_amount
    tax_category: str
    tax_rate: Decimal    # sum of the line rates
    treatment: str       # one of TREATMENTS
    lines: tuple[TaxLine, ...]
    location_evidence: LocationEvidence

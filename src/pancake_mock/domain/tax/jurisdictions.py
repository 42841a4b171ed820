"""Where a buyer is for tax purposes: ISO territory → tax jurisdiction, and the EU VAT area's exclusions."""

from __future__ import annotations

from .model import BillingDetail

# The 27 member states and their VIES prefix: ISO GR is "EL" in VIES.
EU_VAT_PREFIXES = {
    "AT": "AT", "BE": "BE", "BG": "BG", "HR": "HR", "CY": "CY", "CZ": "CZ", "DK": "DK", "EE": "EE", "FI": "FI",
    "FR": "FR", "DE": "DE", "GR": "EL", "HU": "HU", "IE": "IE", "IT": "IT", "LV": "LV", "LT": "LT", "LU": "LU",
    "MT": "MT", "NL": "NL", "PL": "PL", "PT": "PT", "RO": "RO", "SK": "SK", "SI": "SI", "ES": "ES", "SE": "SE",
}

# Countries whose sub-national rates depend on `state` (required there by the Waffo contract).
STATE_COUNTRIES = ("US", "CA")

# Own ISO codes taxed as part of another jurisdiction: Monaco is in the French VAT area (Directive
# 2006/112/EC Art. 7), the Isle of Man in the UK's, and Puerto Rico is a US subdivision with its own SUT.
TAXED_AS = {"MC": "FR", "IM": "GB", "PR": "US-PR"}

# US outlying areas other than Puerto Rico run their own tax systems: treated like their own ISO codes.
_US_AREAS_TAXED_APART = ("AS", "GU", "MP", "UM", "VI")

# Parts of member states outside the EU VAT area (Art. 6), with their own ISO code ...
_OUTSIDE_COUNTRIES = frozenset({"AX", "GP", "MQ", "GF", "RE", "YT", "MF"})
# ... or sent as the member state plus a subdivision ...
_OUTSIDE_SUBDIVISIONS = frozenset({
    "ES-CN", "ES-GC", "ES-TF", "ES-CE", "ES-ML",  # Canary Islands (and its two provinces), Ceuta, Melilla
    "FI-01",                                      # Åland
    "GR-69",                                      # Mount Athos
    "FR-971", "FR-972", "FR-973", "FR-974", "FR-976", "FR-MF", "FR-BL", "FR-PM",  # overseas France
})
# ... or recognisable by the start of the postcode's digits.
_OUTSIDE_POSTCODES = {
    "ES": ("35", "38", "51", "52"),  # Las Palmas, Santa Cruz de Tenerife, Ceuta, Melilla
    "FI": ("22",),                   # Åland (also written "AX-22100")
    "DE": ("27498", "78266"),        # Heligoland, Büsingen
    "IT": ("23041", "22061"),        # Livigno, Campione d'Italia
    "GR": ("63086",),                # Mount Athos
    "FR": ("97",),                   # overseas departments and collectivities
}


def tax_jurisdiction(billing: BillingDetail) -> str | None:
    """The jurisdiction whose taxes apply ("DE", "US-WA", "CA-QC"), or None outside its country's tax area.

    Expects a normalized billing detail (upper-case codes, state present for US/CA).
    """
    country = billing.country
    if country in _OUTSIDE_COUNTRIES or f"{country}-{billing.state}" in _OUTSIDE_SUBDIVISIONS:
        return None
    digits = "".join(ch for ch in billing.postcode or "" if ch.isdigit())
    if digits and digits.startswith(_OUTSIDE_POSTCODES.get(country, ())):
        return None
    if country == "US" and billing.state in _US_AREAS_TAXED_APART:
        return billing.state
    if country in STATE_COUNTRIES:
        return f"{country}-{billing.state}"
    return TAXED_AS.get(country, country)


def country_of(jurisdiction: str) -> str:
    """"US-WA" → "US"; "DE" → "DE"."""
    return jurisdiction.partition("-")[0]

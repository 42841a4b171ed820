"""Reference exchange rates, as GraphQL's `rate` quotes them: fixed units per US dollar (a mock's
plausible figures, not a market's), so a quote is the same on every run; a quote holds until the
end of its business hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

PER_USD = {code: Decimal(units) for code, units in {
    "AED": "3.6725", "ARS": "1050", "AUD": "1.52", "BGN": "1.80", "BHD": "0.376", "BRL": "5.60", "CAD": "1.38",
    "CHF": "0.88", "CLP": "940", "CNY": "7.20", "COP": "4100", "CZK": "23.2", "DKK": "6.86", "EGP": "48.5",
    "EUR": "0.92", "GBP": "0.79", "HKD": "7.80", "HUF": "360", "IDR": "15800", "ILS": "3.70", "INR": "84.0",
    "JPY": "150", "KRW": "1380", "KWD": "0.307", "MXN": "19.5", "MYR": "4.45", "NGN": "1600", "NOK": "10.8",
    "NZD": "1.68", "PEN": "3.75", "PHP": "58.0", "PKR": "278", "PLN": "3.98", "QAR": "3.64", "RON": "4.58",
    "SAR": "3.75", "SEK": "10.6", "SGD": "1.34", "THB": "34.5", "TRY": "34.2", "TWD": "32.0", "UAH": "41.3",
    "USD": "1", "VND": "25400", "ZAR": "18.2",
}.items()}
PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Quote:
    from_currency: str
    to_currency: str
    standard_rate: Decimal
    rate_ref_id: str
    expiry_time: datetime


def quote(from_currency: str, to_currency: str, now: datetime) -> Quote:
    rate = (PER_USD[to_currency] / PER_USD[from_currency]).quantize(PLACES, rounding=ROUND_HALF_UP)
    hour = now.replace(minute=0, second=0, microsecond=0)
    return Quote(from_currency, to_currency, rate, f"FX_{from_currency}{to_currency}_{hour:%Y%m%d%H}",
                 hour + timedelta(hours=1))

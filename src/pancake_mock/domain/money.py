"""Money as Decimal with explicit rounding: amounts travel as display strings ("29.00", "4500")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units for the currencies the API can quote; anything else has two.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3}


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency.upper(), 2)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (JPY has none)."""
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def parse_amount(text: str) -> Decimal | None:
    """A display string as Decimal, or None when it is not a plain non-negative number."""
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        return None
    return value if value.is_finite() and value >= 0 else None


def display(amount: Decimal, currency: str) -> str:
    """The wire form of an amount: quantized, fixed-point, no exponent."""
    return f"{quantize(amount, currency):f}"

"""Cards as the fake PSP's payment page reads them, and the test cards that decide an outcome.

The real sandbox's numbers come first and are recognized before any format check: its success
numbers do not pass the Luhn check. Stripe's familiar test numbers cover the other outcomes. Any
other number that passes Luhn, with an expiry ahead and a well-formed CVC, succeeds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum import luhn

from . import errors
from .model import CardInfo

SUCCEEDS = "succeeds"
CHALLENGE = "challenge"  # 3-D Secure first; `then` is what passing it leads to


@dataclass(frozen=True)
class TestCard:
    number: str
    outcome: str  # SUCCEEDS, CHALLENGE, or a failure reason of errors.DECLINE_REASONS
    then: str | None = None  # after a challenge: SUCCEEDS or a failure reason
    note: str = ""
    renewals: str | None = None  # a subscription's renewals on this card fail with this reason


TEST_CARDS = (
    TestCard("4576750000000110", SUCCEEDS, note="Waffo sandbox, success"),
    TestCard("2226900000000110", SUCCEEDS, note="Waffo sandbox, success"),
    TestCard("4001700000000110", SUCCEEDS, note="Waffo sandbox, success"),
    TestCard("2226930000000110", SUCCEEDS, note="Waffo sandbox, success"),
    TestCard("4576750000000220", "card_declined", note="Waffo sandbox, declined"),
    TestCard("2226900000000220", "card_declined", note="Waffo sandbox, declined"),
    TestCard("4001700000000220", "card_declined", note="Waffo sandbox, declined"),
    TestCard("2226930000000220", "card_declined", note="Waffo sandbox, declined"),
    TestCard("4242424242424242", SUCCEEDS, note="Visa, success"),
    TestCard("5555555555554444", SUCCEEDS, note="Mastercard, success"),
    TestCard("4000000000000002", "card_declined", note="declined"),
    TestCard("4000000000009995", "insufficient_funds", note="declined: insufficient funds"),
    TestCard("4000000000000069", "expired_card", note="declined: expired card"),
    TestCard("4000000000000127", "incorrect_cvc", note="declined: incorrect CVC"),
    TestCard("4000000000000119", "processing_error", note="the PSP fails: processing error"),
    TestCard("4000000000000341", SUCCEEDS, note="success, then every renewal declined", renewals="card_declined"),
    TestCard("4000000000003220", CHALLENGE, SUCCEEDS, note="3-D Secure challenge, then success"),
    TestCard("4000008400001629", CHALLENGE, "card_declined", note="3-D Secure challenge, then declined"),
)
_BY_NUMBER = {card.number: card for card in TEST_CARDS}
# The card the control plane pays with for each outcome it is asked for.
OUTCOME_CARDS = {"succeeded": "4242424242424242", "card_declined": "4000000000000002",
                 "insufficient_funds": "4000000000009995", "expired_card": "4000000000000069",
                 "incorrect_cvc": "4000000000000127", "processing_error": "4000000000000119",
                 "authentication_failed": "4000000000003220"}  # its challenge failed
_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


@dataclass(frozen=True)
class CardEntry:
    """What the buyer typed into the card form."""

    number: str = ""
    expiry: str = ""
    cvc: str = ""
    holder: str = ""


@dataclass(frozen=True)
class Card:
    info: CardInfo
    outcome: str
    then: str | None
    renewals: str | None = None


def read_card(entry: CardEntry, today: date) -> Card | dict[str, str]:
    """The card, or the inline error of each field that is wrong (field name -> words)."""
    problems: dict[str, str] = {}
    number = re.sub(r"[\s-]", "", entry.number)
    known = _BY_NUMBER.get(number)
    if known is None and not (number.isdigit() and 12 <= len(number) <= 19 and luhn.is_valid(number)):
        problems["cardNumber"] = errors.CARD_NUMBER_INVALID
    expiry = _EXPIRY.match(entry.expiry)
    month = year = 0
    if expiry is None or not 1 <= int(expiry[1]) <= 12:
        problems["cardExpiry"] = errors.CARD_EXPIRY_INVALID
    else:
        month, year = int(expiry[1]), int(expiry[2]) + (2000 if len(expiry[2]) == 2 else 0)
        if (year, month) < (today.year, today.month):
            problems["cardExpiry"] = errors.CARD_EXPIRED
    brand = brand_of(number)
    if not (entry.cvc.isdigit() and len(entry.cvc) == (4 if brand == "amex" else 3)):
        problems["cardCvc"] = errors.CARD_CVC_INVALID
    if problems:
        return problems
    info = CardInfo(brand=brand, last4=number[-4:], exp_month=month, exp_year=year)
    if known is None:
        return Card(info, SUCCEEDS, None)
    return Card(info, known.outcome, known.then, known.renewals)


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in ("34", "37"):
        return "amex"
    if "51" <= number[:2] <= "55" or "2221" <= number[:4] <= "2720":
        return "mastercard"
    if number.startswith(("6011", "65")):
        return "discover"
    return "unknown"

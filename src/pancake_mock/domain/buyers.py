"""Buyer identity: one normalization for every place an email enters the system."""

from __future__ import annotations

import re

# Deliberately loose: one @, no spaces, a dot in the domain. Deliverability is not our business.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(text: str) -> str:
    """The server's rule, verbatim: trim().toLowerCase(). Foo@Bar.COM is foo@bar.com."""
    return text.strip().lower()


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(normalize_email(text)))

"""Who is calling: the credential an operation's contract `security` asks for, read from the request.

A merchant signature covers the SHA-256 of the raw body, so this runs on the bytes as received,
before anything parses them; connexion's own security stage sees headers only.
"""

from __future__ import annotations

from datetime import datetime

from starlette.datastructures import Headers

from ..adapters import keys
from ..adapters.tokens import TokenCodec
from ..domain import auth, errors
from ..domain.model import ENVIRONMENTS, SessionToken
from ..domain.ports import Transaction

MERCHANT = frozenset({"merchantId", "merchantTimestamp", "merchantSignature"})
SESSION_TOKEN = frozenset({"sessionToken"})
STORE_SLUG = frozenset({"storeSlug"})
# The headers whose presence says a caller chose that credential: any one of a signature's three
# (so a partial signature beside a token is refused as the signature it began, not ignored).
_PRESENCE = {MERCHANT: ("x-merchant-id", "x-timestamp", "x-signature"), SESSION_TOKEN: ("authorization",),
             STORE_SLUG: ("x-store-slug",)}
Principal = auth.MerchantPrincipal | auth.BuyerPrincipal | auth.StorefrontPrincipal


def choose(requirements: list[frozenset[str]], headers: Headers) -> frozenset[str]:
    """The requirement whose credential the caller sent, else the first the contract lists."""
    return next((r for r in requirements if any(name in headers for name in _PRESENCE[r])), requirements[0])


class Credentials:
    def __init__(self, tokens: TokenCodec):
        self.tokens = tokens

    def authenticate(self, requirement: frozenset[str], tx: Transaction, method: str, path: str,
                     headers: Headers, body: bytes, now: datetime, wall_now: datetime) -> Principal:
        """Who is calling, reading only: a write then records the credential's use (`record_use`)."""
        if requirement == MERCHANT:
            merchant = self.merchant(tx, method, path, headers, body, wall_now)
            if "x-environment" in headers:  # the key names the environment; a malformed header is still refused
                _environment(headers)
            return merchant
        # The credential first: an unknown token or slug is a 401 whatever else is missing.
        if requirement == SESSION_TOKEN:
            return auth.BuyerPrincipal(self.session_token(tx, headers, now), _environment(headers))
        return auth.StorefrontPrincipal(self.store_slug(tx, headers), _environment(headers))

    @staticmethod
    def record_use(tx: Transaction, principal: Principal | None, now: datetime, read_before: bool) -> Principal | None:
        """In a write's unit of work: what using the credential changes (a session token is renewed
        or consumed), with the principal as it now stands; `read_before`: it was authenticated on
        an earlier snapshot."""
        if isinstance(principal, auth.BuyerPrincipal):
            token = auth.record_token_use(tx, principal.token, now, read_before)
            return auth.BuyerPrincipal(token, principal.environment)
        return principal

    @staticmethod
    def merchant(tx: Transaction, method: str, path: str, headers: Headers, body: bytes,
                 wall_now: datetime) -> auth.MerchantPrincipal:
        values = {}
        for name in ("X-Merchant-Id", "X-Timestamp", "X-Signature"):
            values[name] = headers.get(name, "")
            if not values[name]:
                raise errors.MISSING_AUTH_HEADER.error(header=name)
        return auth.authenticate_merchant(
            tx,
            merchant_id=values["X-Merchant-Id"],
            timestamp=values["X-Timestamp"],
            signature=values["X-Signature"],
            message=keys.canonical_request(method, path, values["X-Timestamp"], body),
            now=wall_now,  # clients sign with real time, whatever the mock's business clock says
            verify=keys.verify,
        )

    def session_token(self, tx: Transaction, headers: Headers, now: datetime) -> SessionToken:
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        token_id = self.tokens.decode(credential.strip()) if scheme.lower() == "bearer" else None
        return auth.authenticate_token(tx, token_id, now)

    @staticmethod
    def store_slug(tx: Transaction, headers: Headers) -> str:
        slug = headers.get("x-store-slug", "")
        if not slug:
            raise errors.MISSING_AUTH_HEADER.error(header="X-Store-Slug")
        return auth.authenticate_store_slug(tx, slug)


def _environment(headers: Headers) -> str:
    """A token or a slug names no environment: the caller says which it acts in."""
    environment = headers.get("x-environment", "")
    if environment not in ENVIRONMENTS:
        raise errors.INVALID_HEADER.error(header="X-Environment")
    return environment

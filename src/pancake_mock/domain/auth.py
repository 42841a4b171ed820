"""Who is calling: merchant keys, session tokens and store slugs, and the rules of each."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from . import errors
from .buyers import is_email, normalize_email
from .catalog import owned_product, owned_store
from .commands import IssueSessionToken
from .model import ApiKey, CheckoutSession, Merchant, SessionToken, Store
from .ports import Transaction

MERCHANT_ID = re.compile(r"^MER_[0-9A-Za-z]{22}$")
# The gateway's window is wide into the past and tight into the future.
TIMESTAMP_PAST = timedelta(minutes=15)
TIMESTAMP_FUTURE = timedelta(seconds=60)
MAX_UNIX_SECONDS = 253402300799  # 9999-12-31T23:59:59Z, the last moment datetime can hold
TOKEN_TTL = {"customer": timedelta(minutes=5), "shopper": timedelta(minutes=1)}
# A renewal that would move the expiry by less than this is not written: a token in steady use
# costs one write a second, not one per call, and its expiry lags the exact one by under a second.
RENEWAL_STEP = timedelta(seconds=1)


@dataclass(frozen=True)
class MerchantPrincipal:
    merchant_id: str
    environment: str

    @property
    def caller(self) -> str:
        """Who is asking, for scoping idempotency keys."""
        return f"merchant:{self.merchant_id}:{self.environment}"


@dataclass(frozen=True)
class StorefrontPrincipal:
    """A visitor on a store's hosted pages, known only by the store's slug."""

    store_id: str
    environment: str

    @property
    def caller(self) -> str:
        return f"store:{self.store_id}:{self.environment}"


@dataclass(frozen=True)
class BuyerPrincipal:
    token: SessionToken
    environment: str

    @property
    def caller(self) -> str:
        return f"buyer:{self.token.store_id}:{self.token.buyer_identity}:{self.environment}"

    @property
    def store_id(self) -> str:
        return self.token.store_id

    @property
    def email(self) -> str | None:
        """An email-shaped buyerIdentity is the buyer's email; an opaque one says nothing."""
        identity = self.token.buyer_identity
        return normalize_email(identity) if is_email(identity) else None


def parse_timestamp(text: str) -> datetime | None:
    if not text.isascii() or not text.isdigit() or len(text) > 16:
        return None
    value = int(text)
    # Seconds per the SDKs; the WooCommerce plugin sends milliseconds, which we tolerate.
    seconds = value / 1000 if value > 10**11 else value
    if seconds > MAX_UNIX_SECONDS:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def authenticate_merchant(
    tx: Transaction,
    *,
    merchant_id: str,
    timestamp: str,
    signature: str,
    message: bytes,
    now: datetime,
    verify: Callable[[str, bytes, str], bool],
) -> MerchantPrincipal:
    """The environment is the one whose key verifies the signature."""
    if not MERCHANT_ID.match(merchant_id):
        raise errors.INVALID_MERCHANT_ID.error()
    moment = parse_timestamp(timestamp)
    if moment is None or not (now - TIMESTAMP_PAST <= moment <= now + TIMESTAMP_FUTURE):
        raise errors.TIMESTAMP_OUT_OF_WINDOW.error()
    if tx.get(Merchant, merchant_id) is None:
        raise errors.INVALID_SIGNATURE.error()
    for key in tx.find(ApiKey, merchant_id=merchant_id):
        if verify(key.public_key_pem, message, signature):
            return MerchantPrincipal(merchant_id, key.environment)
    raise errors.INVALID_SIGNATURE.error()


def authenticate_store_slug(tx: Transaction, slug: str) -> str:
    """The id of the store with this public slug."""
    matches = tx.find(Store, slug=slug)
    if not matches or matches[0].deleted_at is not None:
        raise errors.UNAUTHORIZED.error()
    return matches[0].id


def authenticate_token(tx: Transaction, token_id: str | None, now: datetime) -> SessionToken:
    """The token, if it may be used now; reading only (`record_token_use` records the use)."""
    token = tx.get(SessionToken, token_id) if token_id else None
    if token is None or token.expires_at <= now or token.used_at is not None:
        raise errors.AUTHENTICATION_FAILED.error()
    return token


def record_token_use(tx: Transaction, token: SessionToken, now: datetime, read_before: bool) -> SessionToken:
    """Every use counts: a `shopper` token is consumed, a `customer` one renewed. A token read
    before this transaction (`read_before`) is read again when what its use depends on may have
    changed since (a shopper token used, a customer token past its expiry unless renewed)."""
    if read_before and (token.role == "shopper" or token.expires_at <= now):
        token = authenticate_token(tx, token.id, now)
    if token.role == "shopper":
        token.used_at = now
        tx.save(token, "used_at")
    elif now + TOKEN_TTL[token.role] - token.expires_at >= RENEWAL_STEP:
        token.expires_at = now + TOKEN_TTL[token.role]
        tx.save(token, "expires_at")
    return token


def issue_guest_token(tx: Transaction, session: CheckoutSession, now: datetime) -> SessionToken:
    """The token the hosted checkout page is served with, for a session opened without one
    (anonymously or by store slug): a `customer` of the session's store, named after the session."""
    token = SessionToken(id=tx.new_id("TOK"), store_id=session.store_id, buyer_identity=f"guest:{session.id}",
                         role="customer", expires_at=now + TOKEN_TTL["customer"], created_at=now)
    tx.add(token)
    return token


def issue_token(tx: Transaction, merchant: MerchantPrincipal, command: IssueSessionToken, now: datetime) -> SessionToken:
    """A token scoped to one store: named directly, or derived from the product."""
    if not command.buyer_identity.strip():
        raise errors.MISSING_FIELD.error(field="buyerIdentity")
    store_id = command.store_id
    if store_id is None and command.product_id is None:
        raise errors.MISSING_STORE_OR_PRODUCT.error()
    if command.product_id is not None:
        product = owned_product(tx, merchant.merchant_id, command.product_id)
        if store_id is not None and product.store_id != store_id:
            raise errors.PRODUCT_NOT_IN_STORE.error()
        store_id = product.store_id
    store = owned_store(tx, merchant.merchant_id, store_id)
    if store.status != "active":
        raise errors.TOKEN_STORE_NOT_ACTIVE.error()
    token = SessionToken(
        id=tx.new_id("TOK"),
        store_id=store.id,
        buyer_identity=command.buyer_identity,
        role=command.role,
        expires_at=now + TOKEN_TTL[command.role],
        created_at=now,
    )
    tx.add(token)
    return token

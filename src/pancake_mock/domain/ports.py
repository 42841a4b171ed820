"""What the domain needs from the outside world. Adapters implement these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from .model import CardInfo, Challenge

T = TypeVar("T")


class Transaction(Protocol):
    """One unit of work: everything done through it commits together or not at all."""

    def get(self, kind: type[T], key: Any) -> T | None: ...

    def field(self, kind: type, key: Any, name: str) -> Any:
        """One field of the entity with this key, without reading the rest; None when there is none."""

    def add(self, entity: object) -> None: ...

    def save(self, entity: object, *fields: str) -> None:
        """Write back these fields of an entity read in this transaction."""

    def delete(self, entity: object) -> None: ...

    def find(self, kind: type[T], **where: Any) -> list[T]: ...

    def select(self, kind: type[T], where: tuple, order: tuple[str, ...], limit: int | None, offset: int,
               descending: bool) -> list[T]:
        """Rows matching `where` (reads.Condition and reads.Within), in `order`, a page of them."""

    def count(self, kind: type, where: tuple) -> int: ...

    def new_id(self, prefix: str) -> str:
        """A fresh Short ID (`PREFIX_` + 22 base62), deterministic under the run's seed."""

    def new_uuid(self, counter: str) -> str:
        """A fresh UUID drawn from its own counter, deterministic under the run's seed."""


@dataclass(frozen=True)
class PspCheckoutRequest:
    payment_id: str
    order_id: str
    amount: str
    currency: str
    buyer_email: str
    country: str
    success_url: str | None
    description: str


@dataclass(frozen=True)
class PspCheckout:
    """The PSP's hosted checkout of one order, found by the token in its URL."""

    token: str
    payment_id: str  # the payment it was opened for
    order_id: str
    status: str  # open | completed
    created_at: datetime
    challenge: Challenge | None = None


class Psp(Protocol):
    def create_checkout(self, tx: Transaction, request: PspCheckoutRequest, now: datetime) -> str | None:
        """The URL of a hosted checkout created in the caller's transaction, or None when the PSP
        declined (the transaction then holds only the PSP's record of the declined call)."""

    def checkout(self, tx: Transaction, token: str) -> PspCheckout | None: ...

    def checkout_of(self, tx: Transaction, order: Any) -> PspCheckout | None:
        """The checkout create-order opened for this order (its `checkout_url`)."""

    def update_checkout(self, tx: Transaction, checkout: PspCheckout) -> None:
        """Write back the checkout's status and challenge."""

    def journal_charge(self, tx: Transaction, checkout: PspCheckout, card: CardInfo, reason: str | None,
                       now: datetime) -> None:
        """Record a charge of the card (its failure reason, or None when it succeeded)."""

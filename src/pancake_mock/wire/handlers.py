"""One method per operationId of the contract: read the request, call the domain, answer."""

from __future__ import annotations

import re
import typing as t
from datetime import datetime, timedelta, timezone

from connexion import context

from ..adapters.psp import FaultPlan
from ..domain import auth, catalog, checkout, errors, orders
from ..domain.model import ONETIME, SUBSCRIPTION, CheckoutSession, Order
from . import views
from .envelope import ok

if t.TYPE_CHECKING:
    from ..app import Mock


def _principal() -> t.Any:
    return context.context["principal"]


YEARS = range(1970, 3000)  # where business time may go; far enough for any test, clear of overflow


def _moment(text: str) -> datetime:
    """An ISO 8601 date-time; one without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise errors.INVALID_FIELD.error(field="now", expected="an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Handlers:
    def __init__(self, mock: Mock):
        self.mock = mock

    def resolve(self, operation_id: str) -> t.Callable[..., t.Any]:
        return getattr(self, re.sub(r"(?<!^)([A-Z])", r"_\1", operation_id).lower())

    # The Waffo Pancake API.

    def issue_session_token(self, body: dict) -> dict:
        with self.mock.store.transaction() as tx:
            token = auth.issue_token(
                tx,
                _principal(),
                buyer_identity=body["buyerIdentity"],
                store_id=body.get("storeId"),
                product_id=body.get("productId"),
                role=body.get("role", "customer"),
                now=self.mock.clock.now(),
            )
        jwt = self.mock.tokens.encode(token.id, token.store_id, token.role)
        return ok({"token": jwt, "expiresAt": views.timestamp(token.expires_at)})

    def create_checkout_session(self, body: dict) -> dict:
        with self.mock.store.transaction() as tx:
            session, store = checkout.create_session(tx, _principal(), body, self.mock.clock.now())
        url = f"{self.mock.base_url}/store/{store.slug}/checkout/{session.id}"
        return ok({"sessionId": session.id, "checkoutUrl": url, "expiresAt": views.timestamp(session.expires_at)})

    def preview_tax(self, body: dict) -> dict:
        with self.mock.store.snapshot() as tx:
            quote = orders.preview_tax(tx, _principal(), body, self.mock.clock.now(), self.mock.order_rules)
        return ok(quote)

    def create_onetime_product(self, body: dict) -> dict:
        with self.mock.store.transaction() as tx:
            product, version = catalog.create_product(
                tx, _principal().merchant_id, body, ONETIME, self.mock.clock.now()
            )
        return ok({"product": views.product(product, version)})

    def update_onetime_product(self, body: dict) -> dict:
        with self.mock.store.transaction() as tx:
            product, version = catalog.update_product(
                tx, _principal().merchant_id, body, ONETIME, self.mock.clock.now()
            )
        return ok({"product": views.product(product, version)})

    def create_onetime_order(self, body: dict) -> dict:
        return self._create_order(body, ONETIME)

    def create_subscription_order(self, body: dict) -> dict:
        return self._create_order(body, SUBSCRIPTION)

    def _create_order(self, body: dict, order_type: str) -> dict:
        self.mock.psp.delay()
        with self.mock.store.transaction() as tx:
            order = orders.create_order(
                tx, self.mock.psp, _principal(), body, order_type, self.mock.clock.now(), self.mock.order_rules
            )
        return ok({"checkoutUrl": order.checkout_url})

    # The control plane.

    def reset_state(self) -> dict:
        self.mock.reset()
        return {"reset": True}

    def list_orders(self, checkout_session_id: str | None = None) -> dict:
        where = {} if checkout_session_id is None else {"checkout_session_id": checkout_session_id}
        with self.mock.store.snapshot() as tx:
            found = sorted(tx.find(Order, **where), key=lambda order: (order.created_at, order.id))
        return {"orders": [views.order_record(order) for order in found]}

    def get_checkout_session(self, session_id: str) -> dict:
        with self.mock.store.snapshot() as tx:
            session = tx.get(CheckoutSession, session_id)
        if session is None:
            raise errors.NOT_FOUND.error()
        return views.session_record(session, self.mock.clock.now())

    def get_clock(self) -> dict:
        clock = self.mock.clock
        offset = clock.offset()
        return {"now": views.timestamp(clock.wall.now() + timedelta(seconds=offset)), "offsetSeconds": offset}

    def set_clock(self, body: dict) -> dict:
        clock = self.mock.clock
        field = "now" if "now" in body else "advanceSeconds"
        try:
            target = _moment(body["now"]) if "now" in body else clock.now() + timedelta(seconds=body["advanceSeconds"])
        except OverflowError:
            target = None
        if target is None or not YEARS.start <= target.year < YEARS.stop:
            raise errors.INVALID_FIELD.error(field=field, expected=f"a time within the years {YEARS.start} to {YEARS.stop - 1}")
        clock.travel_to(target)
        return self.get_clock()

    def reset_clock(self) -> dict:
        self.mock.clock.set_offset(0)
        return self.get_clock()

    def get_psp_faults(self) -> dict:
        return vars(self.mock.psp.faults())

    def set_psp_faults(self, body: dict) -> dict:
        return vars(self.mock.psp.set_faults(FaultPlan(**body)))

    def clear_psp_faults(self) -> dict:
        return vars(self.mock.psp.set_faults(FaultPlan()))

    def list_psp_calls(self) -> dict:
        calls = self.mock.psp.journal()
        return {"calls": [call | {"at": views.timestamp(call["at"])} for call in calls]}

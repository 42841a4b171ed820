"""create-order's draft (domain/orders.py `draft_order`): read and priced on a snapshot before the
unit of work, and used by the unit only while it still holds. On a real SQLite store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from pancake_mock.app import Mock, Settings
from pancake_mock.domain import checkout, errors, orders
from pancake_mock.domain.auth import BuyerPrincipal, MerchantPrincipal
from pancake_mock.domain.commands import CreateCheckoutSession, CreateOrder
from pancake_mock.domain.model import ONETIME, Merchant, Product, SessionToken
from pancake_mock.domain.tax import BillingDetail

NOVA_SCOTIA = BillingDetail(country="CA", is_business=False, state="NS")
# Nova Scotia's HST went from 15 % to 14 % on 2025-04-01 (rates.toml).
EVE = datetime(2025, 3, 31, 23, 59, 59, 900000, tzinfo=timezone.utc)
NEW_YEAR = EVE + timedelta(milliseconds=200)


@pytest.fixture
def mock(tmp_path):
    mock = Mock(Settings(data_dir=tmp_path, base_url="http://127.0.0.1:1"))
    yield mock
    mock.store.engine.dispose()


def _open_session(mock: Mock, now: datetime) -> tuple[str, BuyerPrincipal]:
    with mock.store.transaction() as tx:
        merchant = tx.find(Merchant)[0]
        product = next(p for p in tx.find(Product) if p.type == ONETIME)
        principal = MerchantPrincipal(merchant.id, "test")
        session, _store = checkout.create_session(tx, principal, CreateCheckoutSession(
            product_id=product.id, currency="USD", expires_in_seconds=86400), now)
        token = SessionToken(id="TOK_draft", store_id=session.store_id, buyer_identity="buyer",
                             role="customer", expires_at=now + timedelta(days=1), created_at=now)
        tx.add(token)
    return session.id, BuyerPrincipal(token, "test")


def _order(mock: Mock, buyer: BuyerPrincipal, command: CreateOrder, now: datetime, draft):
    with mock.store.transaction() as tx:
        return orders.create_order(tx, mock.world.psp, buyer, command, ONETIME, now, mock.order_rules, draft)


def _draft(mock: Mock, command: CreateOrder, now: datetime):
    with mock.store.snapshot() as tx:
        return orders.draft_order(tx, command, now, mock.order_rules)


def test_a_quote_drafted_on_the_eve_of_a_rate_change_is_made_again_for_the_new_day(mock):
    session_id, buyer = _open_session(mock, EVE - timedelta(hours=1))
    command = CreateOrder(session_id, billing_detail=NOVA_SCOTIA, buyer_email="a@b.co")
    draft = _draft(mock, command, EVE)
    assert draft is not None and draft.quote.tax_rate == Decimal("0.15")
    order = _order(mock, buyer, command, NEW_YEAR, draft)
    assert order.price_snapshot.tax_rate == Decimal("0.14")


def test_a_draft_of_a_session_ordered_since_is_not_used(mock):
    session_id, buyer = _open_session(mock, EVE)
    command = CreateOrder(session_id, billing_detail=NOVA_SCOTIA, buyer_email="a@b.co")
    stale = _draft(mock, command, EVE)
    assert _order(mock, buyer, command, EVE, _draft(mock, command, EVE)).status == "pending"
    with pytest.raises(errors.ApiError) as refused:
        _order(mock, buyer, command, EVE, stale)
    assert refused.value.status == 409


def test_no_draft_for_a_request_the_unit_will_refuse(mock):
    session_id, _buyer = _open_session(mock, EVE)
    assert _draft(mock, CreateOrder(session_id, buyer_email="a@b.co"), EVE) is None  # no billing detail anywhere
    assert _draft(mock, CreateOrder("cs_unknown", billing_detail=NOVA_SCOTIA), EVE) is None

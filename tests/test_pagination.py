"""Control-plane lists come a bounded page at a time, in a stable order, with filters and a cursor."""

from __future__ import annotations

import pytest

from support import error_of

US_OR = {"country": "US", "isBusiness": False, "state": "OR"}


def _orders(api, count: int) -> list[str]:
    sessions = []
    for _ in range(count):
        session = api.create_session()
        assert api.create_order({"checkoutSessionId": session, "buyerEmail": "p@example.com",
                                 "billingDetail": US_OR}).status_code == 200
        sessions.append(session)
    return sessions


def test_orders_page_through_every_order_once_oldest_first(api):
    sessions = _orders(api, 7)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.send("GET", "/_mock/orders", params=params).json()
        assert len(page["orders"]) <= 3
        seen += page["orders"]
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert pages == 3
    assert [order["checkoutSessionId"] for order in seen] == sessions
    assert len({order["id"] for order in seen}) == 7


def test_the_default_page_is_bounded_and_filters_apply(api):
    sessions = _orders(api, 3)
    first = api.send("GET", "/_mock/orders").json()
    assert len(first["orders"]) == 3 and first["nextCursor"] is None
    only = api.send("GET", "/_mock/orders", params={"checkoutSessionId": sessions[1]}).json()["orders"]
    assert [order["checkoutSessionId"] for order in only] == [sessions[1]]
    assert api.send("GET", "/_mock/orders", params={"status": "paid"}).json()["orders"] == []
    assert len(api.send("GET", "/_mock/orders", params={"status": "pending"}).json()["orders"]) == 3


def test_psp_calls_page_and_filter_by_outcome(api):
    _orders(api, 2)
    api.psp_faults({"failNext": 1})
    session = api.create_session()
    assert api.create_order({"checkoutSessionId": session, "buyerEmail": "p@example.com",
                             "billingDetail": US_OR}).status_code == 500
    first = api.send("GET", "/_mock/psp/calls", params={"limit": 2}).json()
    assert [call["outcome"] for call in first["calls"]] == ["succeeded", "succeeded"]
    rest = api.send("GET", "/_mock/psp/calls", params={"limit": 2, "cursor": first["nextCursor"]}).json()
    assert [call["outcome"] for call in rest["calls"]] == ["failed"] and rest["nextCursor"] is None
    failed = api.send("GET", "/_mock/psp/calls", params={"outcome": "failed"}).json()["calls"]
    assert [call["reason"] for call in failed] == ["failNext"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"limit": "many"}, {"cursor": "not-a-cursor"},
                                    {"cursor": "WyJ4Il0"}, {"cursor": ""}])
def test_bad_page_parameters_are_400(api, params):
    for path in ("/_mock/orders", "/_mock/psp/calls"):
        status, message = error_of(api.send("GET", path, params=params))
        assert status == 400, (path, params, message)

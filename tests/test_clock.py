"""Business time on the control plane: expiry and rates in force follow it; signatures do not."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from support import error_of

ORDER = {"buyerEmail": "clock@example.com", "billingDetail": {"country": "DE", "isBusiness": False}}


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _set(api, **body) -> dict:
    response = api.send("PUT", "/_mock/clock", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_travel_and_return(api):
    state = _set(api, now="2025-03-31T12:00:00Z")
    assert abs(_when(state["now"]) - datetime(2025, 3, 31, 12, tzinfo=timezone.utc)) < timedelta(seconds=5)
    later = _set(api, advanceSeconds=86400)
    assert later["offsetSeconds"] == pytest.approx(state["offsetSeconds"] + 86400, abs=5)
    assert api.send("DELETE", "/_mock/clock").json()["offsetSeconds"] == 0
    api.reset()
    assert api.send("GET", "/_mock/clock").json()["offsetSeconds"] == 0


def test_session_expires_when_time_moves_past_it(api):
    session = api.create_session(expiresInSeconds=120)
    token = api.issue_token()  # lives 5 minutes: still valid when the session is not
    _set(api, advanceSeconds=121)
    assert error_of(api.create_order({"checkoutSessionId": session, **ORDER}, token)) == (
        409, "Checkout session invalid, please re-enter checkout")


def test_tokens_expire_on_business_time(api):
    session = api.create_session()
    token = api.issue_token()
    _set(api, advanceSeconds=301)
    assert error_of(api.create_order({"checkoutSessionId": session, **ORDER}, token)) == (401, "Authentication failed")


def test_a_customer_token_in_use_is_renewed_for_five_minutes_from_its_last_use(api):
    token = api.issue_token()
    for _ in range(3):  # 12 minutes in all, never 5 without a call
        _set(api, advanceSeconds=240)
        assert api.create_order({"checkoutSessionId": api.create_session(), **ORDER}, token).status_code == 200
    _set(api, advanceSeconds=301)
    assert error_of(api.create_order({"checkoutSessionId": api.create_session(), **ORDER}, token)) == (
        401, "Authentication failed")


def test_merchant_signatures_are_checked_against_wall_time(api):
    _set(api, advanceSeconds=10 * 86400)
    assert api.create_session()  # signed now, by the wall clock


@pytest.mark.parametrize(("moment", "rate"), [("2025-03-31T12:00:00Z", "0.15"), ("2025-04-01T12:00:00Z", "0.14")])
def test_rates_in_force_follow_business_time(api, moment, rate):
    _set(api, now=moment)
    session = api.create_session(currency="USD", priceSnapshot={"amount": "100.00", "taxCategory": "saas"})
    body = {"checkoutSessionId": session, "buyerEmail": "ns@example.com",
            "billingDetail": {"country": "CA", "isBusiness": False, "state": "NS"}}
    assert api.create_order(body).status_code == 200
    [order] = api.orders(session)
    assert order["priceSnapshot"]["taxRate"] == rate
    assert order["createdAt"].startswith(moment[:10])


def test_before_the_rate_table_is_a_clear_400(api):
    _set(api, now="2022-06-01T00:00:00Z")
    session = api.create_session()
    response = api.create_order({"checkoutSessionId": session, **ORDER})
    assert error_of(response) == (400, "No tax rates are recorded before 2023-01-01: the mock's clock is set earlier")


@pytest.mark.parametrize("body", [{"now": "yesterday"}, {"now": "9999-12-31T23:59:59Z"}, {"advanceSeconds": 4e9},
                                  {}, {"now": "2025-01-01T00:00:00Z", "advanceSeconds": 1}])
def test_bad_clock_settings_are_400(api, body):
    assert error_of(api.send("PUT", "/_mock/clock", json=body))[0] == 400

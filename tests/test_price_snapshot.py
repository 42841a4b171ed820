"""The price is locked by the session and frozen into the order: product updates change neither."""

from __future__ import annotations

from decimal import Decimal

from support import error_of

UPDATE = "/v1/actions/onetime-product/update-product"
CREATE = "/v1/actions/onetime-product/create-product"
US_TX = {"country": "US", "isBusiness": False, "state": "TX"}


def _reprice(api, product_id: str, amount: str) -> dict:
    response = api.signed(UPDATE, {"id": product_id, "prices": {"USD": {"amount": amount, "taxCategory": "saas"}}})
    assert response.status_code == 200, response.text
    return response.json()["data"]["product"]


def test_update_between_session_and_order_does_not_change_the_order(api):
    product = api.product()
    before = product["prices"]["USD"]["amount"]
    session = api.create_session(product["id"])
    updated = _reprice(api, product["id"], "999.00")
    assert updated["prices"]["USD"]["amount"] == "999.00"

    body = {"checkoutSessionId": session, "buyerEmail": "a@example.com", "billingDetail": US_TX}
    assert api.create_order(body).status_code == 200
    [order] = api.orders(session)
    assert order["priceSnapshot"]["subtotal"] == before
    assert order["productVersion"] == 1
    assert api.session_record(session)["price"]["amount"] == before

    later = api.create_session(product["id"])
    assert api.session_record(later)["price"] == {"amount": "999.00", "taxCategory": "saas"}
    assert api.session_record(later)["productVersion"] == 2


def test_update_after_the_order_does_not_change_it(api):
    product = api.product()
    session = api.create_session(product["id"])
    body = {"checkoutSessionId": session, "buyerEmail": "a@example.com", "billingDetail": US_TX}
    assert api.create_order(body).status_code == 200
    [before] = api.orders(session)
    _reprice(api, product["id"], "1.00")
    api.signed(UPDATE, {"id": product["id"], "name": "Renamed"})
    [after] = api.orders(session)
    assert after == before


def test_price_snapshot_on_the_session_overrides_the_catalog(api):
    session = api.create_session(priceSnapshot={"amount": "12.34", "taxCategory": "ebook"})
    assert api.session_record(session)["price"] == {"amount": "12.34", "taxCategory": "ebook"}
    body = {"checkoutSessionId": session, "buyerEmail": "a@example.com", "billingDetail": US_TX}
    assert api.create_order(body).status_code == 200
    snapshot = api.orders(session)[0]["priceSnapshot"]
    assert (snapshot["subtotal"], snapshot["taxCategory"]) == ("12.34", "ebook")
    assert Decimal(snapshot["total"]) == Decimal("12.34") + Decimal(snapshot["taxAmount"])


def test_jpy_has_no_minor_units(api):
    product = api.product()
    assert "." not in product["prices"]["JPY"]["amount"]
    session = api.create_session(product["id"], "JPY")
    body = {"checkoutSessionId": session, "buyerEmail": "a@example.com", "billingDetail": {"country": "JP", "isBusiness": False}}
    assert api.create_order(body).status_code == 200
    snapshot = api.orders(session)[0]["priceSnapshot"]
    assert "." not in snapshot["total"] and "." not in snapshot["taxAmount"]
    assert Decimal(snapshot["taxAmount"]) == (Decimal(snapshot["subtotal"]) * Decimal("0.10")).quantize(Decimal(1), rounding="ROUND_HALF_UP")


def test_products_are_versioned_and_unchanged_updates_make_no_version(api):
    store = api.stores[0]["id"]
    created = api.signed(CREATE, {"storeId": store, "name": "Course", "prices": {"EUR": {"amount": "10", "taxCategory": "online_course"}}})
    assert created.status_code == 200, created.text
    product = created.json()["data"]["product"]
    assert product["prices"]["EUR"]["amount"] == "10.00"  # display form with the currency's decimals
    session_v1 = api.create_session(product["id"], "EUR")
    same = api.signed(UPDATE, {"id": product["id"], "name": "Course"})
    assert same.json()["data"]["product"]["updatedAt"] == product["updatedAt"]
    api.signed(UPDATE, {"id": product["id"], "prices": {"EUR": {"amount": "20.00", "taxCategory": "online_course"}}})
    session_v2 = api.create_session(product["id"], "EUR")
    assert api.session_record(session_v1)["productVersion"] == 1
    assert api.session_record(session_v2)["productVersion"] == 2


def test_amount_with_too_many_decimals_is_rejected(api):
    store = api.stores[0]["id"]
    for currency, amount in (("USD", "9.999"), ("JPY", "100.5")):
        response = api.signed(CREATE, {"storeId": store, "name": "X", "prices": {currency: {"amount": amount, "taxCategory": "saas"}}})
        assert error_of(response) == (400, f"Invalid field: prices.{currency}.amount has more decimals than {currency} allows")


def test_currency_outside_the_matrix_is_rejected(api):
    store = api.stores[0]["id"]
    response = api.signed(CREATE, {"storeId": store, "name": "X", "prices": {"AUD": {"amount": "1.00", "taxCategory": "saas"}}})
    assert error_of(response)[0] == 400
    assert api.signed("/v1/actions/checkout/create-session", {"productId": api.product()["id"], "currency": "AUD"}).status_code == 400
    response = api.signed("/v1/actions/checkout/create-session", {"productId": api.product("subscription")["id"], "currency": "CNY"})
    assert error_of(response) == (400, "Unsupported currency for subscription products: CNY")

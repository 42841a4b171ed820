"""Products beyond create and update: publish-product and update-status of both types, and
subscription products with their billing period and trials."""

from __future__ import annotations

import pytest

from support import error_of

SESSION = "/v1/actions/checkout/create-session"
USD = {"USD": {"amount": "20.00", "taxCategory": "saas"}}


def action(kind: str, name: str) -> str:
    return f"/v1/actions/{kind}-product/{name}"


def made(api, kind="onetime", **fields):
    body = {"storeId": api.stores[0]["id"], "name": "Atlas", "prices": USD, **fields}
    if kind == "subscription":
        body.setdefault("billingPeriod", "monthly")
    response = api.signed(action(kind, "create-product"), body)
    assert response.status_code == 200, response.text
    return response.json()["data"]["product"]


def session(api, product_id, environment=None):
    return api.signed(SESSION, {"productId": product_id, "currency": "USD"}, environment=environment)


@pytest.mark.parametrize("kind", ["onetime", "subscription"])
def test_production_sells_the_published_version(api, kind):
    product = made(api, kind)
    assert session(api, product["id"]).status_code == 200  # test sells the latest version at once
    assert error_of(session(api, product["id"], "prod")) == (404, "Product not found in production: publish it first")

    published = api.signed(action(kind, "publish-product"), {"id": product["id"]})
    assert published.status_code == 200, published.text
    assert published.json()["data"]["product"]["id"] == product["id"]
    prod = session(api, product["id"], "prod")
    assert prod.status_code == 200, prod.text
    assert api.session_record(prod.json()["data"]["sessionId"])["price"]["amount"] == "20.00"

    # A change is sold in test at once, in production once published again.
    changed = api.signed(action(kind, "update-product"),
                         {"id": product["id"], "prices": {"USD": {"amount": "25.00", "taxCategory": "saas"}}})
    assert changed.status_code == 200, changed.text
    test_session = session(api, product["id"]).json()["data"]["sessionId"]
    prod_session = session(api, product["id"], "prod").json()["data"]["sessionId"]
    assert api.session_record(test_session)["price"]["amount"] == "25.00"
    assert api.session_record(prod_session)["price"]["amount"] == "20.00"
    api.signed(action(kind, "publish-product"), {"id": product["id"]})
    republished = session(api, product["id"], "prod").json()["data"]["sessionId"]
    assert api.session_record(republished)["price"]["amount"] == "25.00"


def test_graphql_tells_which_version_is_published(api):
    product = made(api)
    api.signed(action("onetime", "update-product"), {"id": product["id"], "name": "Atlas 2"})
    query = """query ($id: ID!) { onetimeProduct(id: $id) { version hasProdVersion }
                 onetimeProductVersions(productId: $id) { versionNumber isTestVersion isProdVersion } }"""
    before = api.graphql(query, {"id": product["id"]}).json()["data"]
    assert before["onetimeProduct"] == {"version": 2, "hasProdVersion": False}
    api.signed(action("onetime", "publish-product"), {"id": product["id"]})
    api.signed(action("onetime", "update-product"), {"id": product["id"], "name": "Atlas 3"})
    after = api.graphql(query, {"id": product["id"]}).json()["data"]
    assert after["onetimeProduct"] == {"version": 3, "hasProdVersion": True}
    assert after["onetimeProductVersions"] == [
        {"versionNumber": 1, "isTestVersion": False, "isProdVersion": False},
        {"versionNumber": 2, "isTestVersion": False, "isProdVersion": True},
        {"versionNumber": 3, "isTestVersion": True, "isProdVersion": False}]


@pytest.mark.parametrize("kind", ["onetime", "subscription"])
def test_an_inactive_product_starts_no_checkout(api, kind):
    product = made(api, kind)
    off = api.signed(action(kind, "update-status"), {"id": product["id"], "status": "inactive"})
    assert off.status_code == 200 and off.json()["data"]["product"]["status"] == "inactive", off.text
    assert error_of(session(api, product["id"])) == (400, "Product is not active")
    on = api.signed(action(kind, "update-status"), {"id": product["id"], "status": "active"})
    assert on.json()["data"]["product"]["status"] == "active"
    assert session(api, product["id"]).status_code == 200
    assert error_of(api.signed(action(kind, "update-status"), {"id": product["id"], "status": "archived"}))[0] == 400


def test_the_two_kinds_of_product_live_apart(api):
    onetime, subscription = made(api), made(api, "subscription")
    for kind, other in (("subscription", onetime), ("onetime", subscription)):
        for name, body in (("publish-product", {"id": other["id"]}), ("update-status", {"id": other["id"], "status": "inactive"}),
                           ("update-product", {"id": other["id"], "name": "x"})):
            assert error_of(api.signed(action(kind, name), body)) == (404, "Product not found")
    assert error_of(api.signed(action("onetime", "publish-product"), {"id": "PROD_" + "0" * 22})) == (
        404, "Product not found")


def test_a_subscription_product(api):
    product = made(api, "subscription", billingPeriod="quarterly", metadata={"trialDays": 14, "tier": "pro"},
                   prices={"USD": {"amount": "30.00", "taxCategory": "saas", "trialAmount": "1"},
                           "EUR": {"amount": "28.00", "taxCategory": "saas"}})
    assert product["billingPeriod"] == "quarterly"
    assert product["prices"] == {"USD": {"amount": "30.00", "taxCategory": "saas", "trialAmount": "1.00"},
                                 "EUR": {"amount": "28.00", "taxCategory": "saas"}}
    assert product["metadata"] == {"trialDays": 14, "tier": "pro"}

    changed = api.signed(action("subscription", "update-product"), {"id": product["id"], "billingPeriod": "yearly"})
    assert changed.json()["data"]["product"]["billingPeriod"] == "yearly"
    versions = api.graphql("""query ($id: ID!) { subscriptionProductVersions(productId: $id) { versionNumber billingPeriod }
                              subscriptionProduct(id: $id) { billingPeriod prices { currency priceInfo { trialAmount } } } }""",
                           {"id": product["id"]}).json()["data"]
    assert versions["subscriptionProductVersions"] == [{"versionNumber": 1, "billingPeriod": "quarterly"},
                                                       {"versionNumber": 2, "billingPeriod": "yearly"}]
    assert versions["subscriptionProduct"]["billingPeriod"] == "yearly"
    assert {"currency": "USD", "priceInfo": {"trialAmount": "1.00"}} in versions["subscriptionProduct"]["prices"]

    # A checkout locks the trial price with the regular one, even under a priceSnapshot.
    overridden = api.signed(SESSION, {"productId": product["id"], "currency": "USD",
                                      "priceSnapshot": {"amount": "27.00", "taxCategory": "saas"}})
    assert api.session_record(overridden.json()["data"]["sessionId"])["price"] == {
        "amount": "27.00", "taxCategory": "saas", "trialAmount": "1.00"}


@pytest.mark.parametrize("fields, expected", [
    ({"metadata": {"trialDays": 0}}, "metadata.trialDays must be a whole number of days from 1 to 365"),
    ({"metadata": {"trialDays": 366}}, "metadata.trialDays must be a whole number of days from 1 to 365"),
    ({"metadata": {"trialDays": "two weeks"}}, "metadata.trialDays must be a whole number of days from 1 to 365"),
    ({"metadata": {"trialDays": 1.5}}, "metadata.trialDays must be a whole number of days from 1 to 365"),
    ({"prices": {"USD": {"amount": "9.00", "taxCategory": "saas", "trialAmount": "1.00"}}},
     "prices.USD.trialAmount needs metadata.trialDays"),
    ({"prices": {"USD": {"amount": "9.00", "taxCategory": "saas", "trialAmount": "9.00"}}, "metadata": {"trialDays": 7}},
     "prices.USD.trialAmount must be lower than amount"),
    ({"prices": {"CNY": {"amount": "9.00", "taxCategory": "saas"}}}, "Unsupported currency for subscription products: CNY"),
    ({"billingPeriod": "daily"}, "Invalid field: billingPeriod must be one of weekly, monthly, quarterly, yearly"),
])
def test_what_a_subscription_product_refuses(api, fields, expected):
    body = {"storeId": api.stores[0]["id"], "name": "Atlas", "billingPeriod": "monthly", "prices": USD, **fields}
    assert error_of(api.signed(action("subscription", "create-product"), body)) == (400, expected)


def test_a_trial_s_days_and_price_are_checked_together_on_update(api):
    product = made(api, "subscription", metadata={"trialDays": "7"},
                   prices={"USD": {"amount": "9.00", "taxCategory": "saas", "trialAmount": "1.00"}})
    dropped = api.signed(action("subscription", "update-product"), {"id": product["id"], "metadata": {}})
    assert error_of(dropped) == (400, "prices.USD.trialAmount needs metadata.trialDays")
    unchanged = api.signed(action("subscription", "update-product"), {"id": product["id"], "metadata": {"trialDays": "7"}})
    assert unchanged.json()["data"]["product"]["updatedAt"] == product["updatedAt"]  # nothing changed: no version

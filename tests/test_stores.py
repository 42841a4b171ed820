"""Stores: store/create-store, update-store and delete-store as the SDK's `Store` has them, and the
production switch of the control plane."""

from __future__ import annotations

import sqlite3

import pytest

from support import MockServer, another_merchant, error_of

CREATE, UPDATE, DELETE = (f"/v1/actions/store/{name}-store" for name in ("create", "update", "delete"))
SESSION = "/v1/actions/checkout/create-session"
PRICES = {"USD": {"amount": "10.00", "taxCategory": "saas"}}


def create(api, name="Night Owl Books", **options):
    response = api.signed(CREATE, {"name": name}, **options)
    assert response.status_code == 200, response.text
    return response.json()["data"]["store"]


def update(api, store_id, **fields):
    return api.signed(UPDATE, {"id": store_id, **fields})


def product_in(api, store_id, environment=None):
    response = api.signed("/v1/actions/onetime-product/create-product",
                          {"storeId": store_id, "name": "Guide", "prices": PRICES}, environment=environment)
    assert response.status_code == 200, response.text
    return response.json()["data"]["product"]["id"]


def test_a_new_store(api):
    store = create(api, "  Night Owl Books!  ")
    assert store["name"] == "Night Owl Books!"  # trimmed
    assert store["slug"].startswith("night-owl-books-") and len(store["slug"]) == len("night-owl-books-") + 6
    assert (store["status"], store["prodEnabled"], store["deletedAt"], store["logo"]) == ("active", False, None, None)
    assert store["supportEmail"] is None and store["website"] is None
    assert set(store["notificationSettings"].values()) == {True} and len(store["notificationSettings"]) == 21
    assert store["checkoutSettings"]["defaultDarkMode"] is False
    assert store["checkoutSettings"]["dark"]["checkoutColorBackground"] == "#1a1a1a"
    assert create(api, "Night Owl Books!")["slug"] != store["slug"]  # the same name twice: two slugs

    listed = api.graphql("query { stores { id slug prodEnabled } }").json()["data"]["stores"]
    assert {"id": store["id"], "slug": store["slug"], "prodEnabled": False} in listed


@pytest.mark.parametrize("name, expected", [
    ("   ", (400, "Missing required field: name")),
    ("x" * 49, (400, "name must not exceed 48 characters")),
])
def test_create_store_refuses(api, name, expected):
    assert error_of(api.signed(CREATE, {"name": name})) == expected


def test_a_new_store_sells_in_test_and_in_prod_once_enabled(api):
    store = create(api)
    product_id = product_in(api, store["id"])
    assert api.signed(SESSION, {"productId": product_id, "currency": "USD"}).status_code == 200
    publish = api.signed("/v1/actions/onetime-product/publish-product", {"id": product_id})
    assert publish.status_code == 200, publish.text
    prod = {"productId": product_id, "currency": "USD"}
    assert error_of(api.signed(SESSION, prod, environment="prod")) == (403, "Store not production enabled")

    enabled = api.send("POST", f"/_mock/stores/{store['id']}/production", json={"prodEnabled": True})
    assert enabled.status_code == 200 and enabled.json()["prodEnabled"] is True, enabled.text
    assert api.signed(SESSION, prod, environment="prod").status_code == 200
    api.send("POST", f"/_mock/stores/{store['id']}/production", json={"prodEnabled": False})
    assert error_of(api.signed(SESSION, prod, environment="prod")) == (403, "Store not production enabled")


def test_the_seeded_stores_are_production_enabled(api):
    response = api.signed(SESSION, {"productId": api.product()["id"], "currency": "USD"}, environment="prod")
    assert response.status_code == 200, response.text


def test_update_store_name_status_and_logo(api):
    store = create(api)
    changed = update(api, store["id"], name="Day Lark Books", logo="https://example.com/logo.png")
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert "warnings" not in body
    updated = body["data"]["store"]
    assert (updated["name"], updated["logo"], updated["slug"]) == ("Day Lark Books", "https://example.com/logo.png",
                                                                  store["slug"])
    assert updated["updatedAt"] >= store["updatedAt"] and updated["createdAt"] == store["createdAt"]
    assert update(api, store["id"], logo=None).json()["data"]["store"]["logo"] is None
    assert error_of(update(api, store["id"], name="y" * 101)) == (400, "name must not exceed 100 characters")
    assert update(api, store["id"], name="y" * 100).status_code == 200

    assert update(api, store["id"], status="inactive").json()["data"]["store"]["status"] == "inactive"
    product_id = product_in(api, store["id"])
    assert error_of(api.signed(SESSION, {"productId": product_id, "currency": "USD"})) == (403, "Store not active")
    assert error_of(api.signed("/v1/actions/auth/issue-session-token",
                               {"storeId": store["id"], "buyerIdentity": "a@b.co"})) == (400, "Store is not active")


def test_notification_settings_are_partial_and_platform_toggles_are_not_written(api):
    store = create(api)
    changed = update(api, store["id"], notificationSettings={
        "notifyNewOrders": False, "emailTrialEnding": False, "emailOrderConfirmation": False})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    settings = body["data"]["store"]["notificationSettings"]
    assert (settings["notifyNewOrders"], settings["emailTrialEnding"]) == (False, False)
    assert settings["emailOrderConfirmation"] is True  # the platform's toggle
    assert body["warnings"] == [{"message": "notificationSettings.emailOrderConfirmation is managed by the platform "
                                            "and was not changed", "layer": "store"}]

    kept = update(api, store["id"], notificationSettings={"notifyChargeback": False}).json()["data"]["store"]
    assert kept["notificationSettings"]["notifyNewOrders"] is False  # left out: kept
    assert kept["notificationSettings"]["notifyChargeback"] is False
    one_back = update(api, store["id"], notificationSettings={"notifyNewOrders": None}).json()["data"]["store"]
    assert one_back["notificationSettings"]["notifyNewOrders"] is True  # null: back to its default
    reset = update(api, store["id"], notificationSettings=None).json()["data"]["store"]
    assert set(reset["notificationSettings"].values()) == {True}


def test_checkout_settings_merge_field_by_field(api):
    store = create(api)
    themed = update(api, store["id"], checkoutSettings={"defaultDarkMode": True,
                                                        "light": {"checkoutColorPrimary": "#ff0066"}})
    assert themed.status_code == 200, themed.text
    settings = themed.json()["data"]["store"]["checkoutSettings"]
    assert settings["defaultDarkMode"] is True and settings["light"]["checkoutColorPrimary"] == "#ff0066"
    assert settings["light"]["checkoutColorBackground"] == "#ffffff"  # untouched fields keep their value
    again = update(api, store["id"], checkoutSettings={"light": {"checkoutBorderRadius": "0px"}}).json()
    light = again["data"]["store"]["checkoutSettings"]["light"]
    assert (light["checkoutColorPrimary"], light["checkoutBorderRadius"]) == ("#ff0066", "0px")
    back = update(api, store["id"], checkoutSettings={"light": None}).json()["data"]["store"]["checkoutSettings"]
    assert back["light"]["checkoutColorPrimary"] == "#000000" and back["defaultDarkMode"] is True
    assert update(api, store["id"], checkoutSettings=None).json()["data"]["store"]["checkoutSettings"][
        "defaultDarkMode"] is False


def test_webhook_settings_and_verified_fields_are_answered_with_warnings(api):
    store = create(api)
    body = update(api, store["id"], webhookSettings={"testWebhookUrl": "https://example.com/h"},
                  supportEmail="help@example.com", website="https://example.com").json()
    assert body["data"]["store"]["supportEmail"] is None and body["data"]["store"]["website"] is None
    assert [warning["message"].split(":")[0].split(" ")[0] for warning in body["warnings"]] == [
        "WEBHOOK_SETTINGS_IGNORED", "supportEmail", "website"]
    assert {warning["layer"] for warning in body["warnings"]} == {"store"}


def test_delete_store_is_soft_and_final(api):
    store = create(api)
    product_id = product_in(api, store["id"])
    session = api.signed(SESSION, {"productId": product_id, "currency": "USD"}).json()["data"]
    token = api.issue_token(storeId=store["id"])

    deleted = api.signed(DELETE, {"id": store["id"]})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["data"]["store"]["deletedAt"] is not None
    assert error_of(api.signed(DELETE, {"id": store["id"]})) == (404, "Store not found")
    assert error_of(update(api, store["id"], name="Back")) == (404, "Store not found")
    assert error_of(api.signed(SESSION, {"productId": product_id, "currency": "USD"})) == (404, "Store not found")
    assert error_of(api.signed("/v1/actions/auth/issue-session-token",
                               {"storeId": store["id"], "buyerIdentity": "a@b.co"})) == (404, "Store not found")
    # Its open session expired with it, and its slug no longer opens anything.
    order = api.create_order({"checkoutSessionId": session["sessionId"],
                              "billingDetail": {"country": "DE", "isBusiness": False}, "buyerEmail": "a@b.co"}, token)
    assert error_of(order) == (409, "Checkout session invalid, please re-enter checkout")
    assert api.session_record(session["sessionId"])["status"] == "expired"
    by_slug = api.send("POST", SESSION, json={"productId": product_id, "currency": "USD"},
                       headers={"X-Store-Slug": store["slug"], "X-Environment": "test"})
    assert error_of(by_slug) == (401, "Unauthorized")
    listed = api.graphql("query { stores { id } }").json()["data"]["stores"]
    assert store["id"] not in {entry["id"] for entry in listed}


def test_another_merchant_s_store_cannot_be_changed(api):
    assert error_of(update(api, "STO_" + "0" * 22, name="x")) == (404, "Store not found")
    assert error_of(api.send("POST", f"/_mock/stores/STO_{'0' * 22}/production", json={"prodEnabled": True})) == (
        404, "Store not found")


def test_another_merchant_s_store_is_403_to_every_store_write(tmp_path):
    with MockServer.start(tmp_path) as server:
        api = server.client()
        with sqlite3.connect(server.data_dir / "pancake.sqlite3") as db:
            another_merchant(db)
        other = "STO_other00000000000000000"
        denied = (403, "Access denied: you do not have permission to this store")
        assert error_of(update(api, other, name="Mine")) == denied
        assert error_of(api.signed(DELETE, {"id": other})) == denied
        assert error_of(api.signed("/v1/actions/subscription-product-group/create-group",
                                   {"storeId": other, "name": "Pro"})) == denied
        assert error_of(api.signed("/v1/actions/subscription-product/create-product", {
            "storeId": other, "name": "Pro", "billingPeriod": "monthly", "prices": PRICES})) == denied

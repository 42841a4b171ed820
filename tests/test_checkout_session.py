"""create-session: what it locks, what it validates, what it answers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from support import error_of

SESSION = "/v1/actions/checkout/create-session"


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_answer_and_default_expiry(api):
    product = api.product()
    response = api.signed(SESSION, {"productId": product["id"], "currency": "USD"})
    data = response.json()["data"]
    assert data["sessionId"].startswith("cs_")
    assert data["checkoutUrl"] == f"{api.base_url}/store/{api.stores[0]['slug']}/checkout/{data['sessionId']}"
    record = api.session_record(data["sessionId"])
    assert _when(data["expiresAt"]) - _when(record["createdAt"]) == timedelta(seconds=2700)
    assert record["price"] == product["prices"]["USD"]
    assert (record["productType"], record["productVersion"], record["currency"]) == ("onetime", 1, "USD")


def test_expiry_bounds(api):
    product = api.product()["id"]
    week = api.signed(SESSION, {"productId": product, "currency": "USD", "expiresInSeconds": 7 * 86400})
    assert week.status_code == 200
    for bad in (0, 7 * 86400 + 1, -5):
        response = api.signed(SESSION, {"productId": product, "currency": "USD", "expiresInSeconds": bad})
        assert error_of(response) == (400, "Invalid field: expiresInSeconds must be between 1 and 604800")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"productId": None}, (400, "Missing required field: productId")),
        ({"currency": None}, (400, "Missing required field: currency")),
        ({"productId": "PROD_" + "Q" * 22}, (404, "Product not found")),
        ({"productId": "product-1"}, (400, "Expected format: PROD_xxx")),
        ({"currency": "usd"}, (400, "Invalid field: currency must be in the documented format")),
        ({"currency": "AUD"}, (400, "Unsupported currency for onetime products: AUD")),
        ({"successUrl": "javascript:alert(1)"}, (400, "successUrl must be an absolute http(s) URL")),
        ({"buyerEmail": "nobody"}, (400, "Invalid buyerEmail")),
        ({"includePaymentMethods": ["card"], "excludePaymentMethods": ["wechat"]},
         (400, "includePaymentMethods and excludePaymentMethods are mutually exclusive")),
        ({"currency": "EUR", "includePaymentMethods": ["wechat"]}, (400, "Payment method not available for EUR: wechat")),
        ({"billingDetail": {"country": "UK", "isBusiness": False}},
         (400, "Invalid billingDetail.country: expected an ISO 3166-1 alpha-2 code")),
        ({"orderMerchantExternalId": "x" * 129}, (400, "Invalid field: orderMerchantExternalId must be at most 128 characters")),
        ({"metadata": {"k": 1}}, (400, "Invalid field: metadata.* must be a string")),
    ],
)
def test_rejections(api, fields, expected):
    """`None` removes a field from an otherwise valid body."""
    body = {"productId": api.product()["id"], "currency": "USD"} | fields
    body = {key: value for key, value in body.items() if value is not None}
    assert error_of(api.signed(SESSION, body)) == expected


def test_product_of_another_merchant_is_not_found(api):
    # A product id that exists nowhere and one of the seeded merchant behave alike for strangers;
    # the seeded world has one merchant, so an unknown id stands in for a foreign one.
    assert error_of(api.signed(SESSION, {"productId": "PROD_" + "0" * 22, "currency": "USD"})) == (404, "Product not found")


def test_prefill_is_validated_and_normalized(api):
    session = api.create_session(
        billingDetail={"country": " de ", "isBusiness": True, "businessName": "ACME GmbH", "taxId": "de 136 695 976"},
        buyerEmail=" Pre@Fill.DE ",
        metadata={"cart": "42"},
        orderMerchantExternalId="ext-1",
    )
    record = api.session_record(session)
    assert record["billingDetail"] == {"country": "DE", "isBusiness": True, "businessName": "ACME GmbH", "taxId": "DE136695976"}
    assert record["buyerEmail"] == "pre@fill.de"
    assert (record["metadata"], record["orderMerchantExternalId"]) == ({"cart": "42"}, "ext-1")


def test_legacy_store_and_type_fields_are_ignored(api):
    session = api.create_session(storeId=api.stores[1]["id"], productType="subscription")
    record = api.session_record(session)
    assert (record["storeId"], record["productType"]) == (api.stores[0]["id"], "onetime")


def test_unknown_session_record_is_404(api):
    assert error_of(api.send("GET", "/_mock/checkout-sessions/cs_nope")) == (404, "Not found")

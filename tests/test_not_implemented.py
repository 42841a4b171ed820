"""What the real API answers 501 to today (store membership, a direct product change): the mock
answers the same, once the caller is authenticated and the body is well formed, on both stores."""

from __future__ import annotations

import pytest

MERCHANT_CALLS = [
    ("/v1/actions/store-merchant/add-merchant", {"email": "member@example.com", "role": "admin"}),
    ("/v1/actions/store-merchant/remove-merchant", {"merchantId": "MER_" + "1" * 22}),
    ("/v1/actions/store-merchant/update-role", {"merchantId": "MER_" + "1" * 22, "role": "member"}),
]
CHANGE_PRODUCT = "/v1/actions/subscription-order/change-product"


def error(response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["errors"][0]["message"], body["errors"][0]["layer"]


@pytest.mark.parametrize("path, fields", MERCHANT_CALLS)
def test_store_membership_is_501_after_auth_and_validation(api, path, fields):
    body = {"storeId": api.stores[0]["id"], **fields}
    assert error(api.signed(path, body)) == (501, "Not implemented", "store")
    assert error(api.send("POST", path, json=body))[0] == 401  # the credential comes first
    missing = {k: v for k, v in body.items() if k != "storeId"}
    assert error(api.signed(path, missing)) == (400, "Missing required field: storeId", "gateway")


def test_a_direct_product_change_is_501_for_a_buyer(api):
    body = {"orderId": "ORD_" + "1" * 22, "productId": api.product("subscription")["id"]}
    assert error(api.as_buyer(CHANGE_PRODUCT, body, api.issue_token())) == (501, "Not implemented", "order")
    assert error(api.as_buyer(CHANGE_PRODUCT, body, None))[0] == 401
    assert error(api.as_buyer(CHANGE_PRODUCT, {"orderId": body["orderId"]}, api.issue_token()))[:2] == (
        400, "Missing required field: productId")

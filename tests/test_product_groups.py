"""Subscription product groups: create-group, update-group, delete-group and publish-group, and
what GraphQL reads of them."""

from __future__ import annotations

import uuid

from support import error_of

GROUP = "/v1/actions/subscription-product-group/{}-group"
READ = """query ($storeId: ID!) { subscriptionProductGroupsCount(storeId: $storeId)
  subscriptionProductGroups(storeId: $storeId) { id name rules { sharedTrial selfServicePlanChange }
    environment productIds products { id billingPeriod } } }"""


def group(api, name, body, **options):
    return api.signed(GROUP.format(name), body, **options)


def plans(api, store=0):
    return [product["id"] for product in api.products("subscription", store)]


def billing_period(api, product_id):
    return next(product["billingPeriod"] for product in api.products("subscription") if product["id"] == product_id)


def test_a_group_s_life(api):
    store_id, (monthly, yearly) = api.stores[0]["id"], plans(api)
    created = group(api, "create", {"storeId": store_id, "name": "Pro", "description": "All Pro plans",
                                    "rules": {"sharedTrial": True}, "productIds": [monthly, yearly, monthly]})
    assert created.status_code == 200, created.text
    made = created.json()["data"]["group"]
    assert uuid.UUID(made["id"]) and made["environment"] == "test" and made["storeId"] == store_id
    assert made["rules"] == {"sharedTrial": True, "selfServicePlanChange": False}  # left out: off
    assert made["productIds"] == [monthly, yearly]  # each once, in order

    merged = group(api, "update", {"id": made["id"], "rules": {"selfServicePlanChange": True}, "productIds": [yearly]})
    assert merged.status_code == 200, merged.text
    updated = merged.json()["data"]["group"]
    assert updated["rules"] == {"sharedTrial": True, "selfServicePlanChange": True}  # merged switch by switch
    assert updated["productIds"] == [yearly]  # replaced
    assert (updated["name"], updated["description"]) == ("Pro", "All Pro plans")

    read = api.graphql(READ, {"storeId": store_id}).json()["data"]
    assert read["subscriptionProductGroupsCount"] == 1
    assert read["subscriptionProductGroups"][0]["products"] == [{"id": yearly,
                                                                 "billingPeriod": billing_period(api, yearly)}]
    prod_read = api.graphql(READ, {"storeId": store_id}, environment="prod").json()["data"]
    assert prod_read == {"subscriptionProductGroupsCount": 0, "subscriptionProductGroups": []}

    published = group(api, "publish", {"id": made["id"]})
    assert published.status_code == 200, published.text
    assert published.json()["data"]["group"]["environment"] == "prod"
    group(api, "update", {"id": made["id"], "name": "Pro (next)"})
    assert api.graphql(READ, {"storeId": store_id}, environment="prod").json()["data"][
        "subscriptionProductGroups"][0]["name"] == "Pro"  # production keeps what was published
    group(api, "publish", {"id": made["id"]})
    assert api.graphql(READ, {"storeId": store_id}, environment="prod").json()["data"][
        "subscriptionProductGroups"][0]["name"] == "Pro (next)"  # an upsert

    deleted = group(api, "delete", {"id": made["id"]})
    assert deleted.status_code == 200 and deleted.json()["data"]["group"]["name"] == "Pro (next)"
    for environment in ("test", "prod"):
        assert api.graphql(READ, {"storeId": store_id}, environment=environment).json()["data"][
            "subscriptionProductGroupsCount"] == 0
    for name in ("update", "delete", "publish"):
        assert error_of(group(api, name, {"id": made["id"]})) == (404, "Subscription product group not found")


def test_members_are_subscription_products_of_the_group_s_store(api):
    store_id = api.stores[0]["id"]
    onetime = api.products("onetime")[0]["id"]
    other_store = plans(api, 1)[0]
    for member in (onetime, other_store, "PROD_" + "0" * 22):
        refused = group(api, "create", {"storeId": store_id, "name": "Mixed", "productIds": [member]})
        assert error_of(refused) == (400, "productIds[0] is not a subscription product of this store")
    empty = group(api, "create", {"storeId": store_id, "name": "Empty"})
    assert empty.status_code == 200 and empty.json()["data"]["group"]["productIds"] == []
    assert error_of(group(api, "update", {"id": empty.json()["data"]["group"]["id"], "productIds": [onetime]}))[0] == 400


def test_what_create_group_refuses(api):
    assert error_of(group(api, "create", {"storeId": "STO_" + "0" * 22, "name": "x"})) == (404, "Store not found")
    assert error_of(group(api, "create", {"storeId": api.stores[0]["id"], "name": "   "})) == (
        400, "Missing required field: name")
    assert error_of(group(api, "update", {"id": "spg_not-a-uuid"}))[0] == 400
    assert error_of(group(api, "update", {"id": str(uuid.uuid4())})) == (404, "Subscription product group not found")

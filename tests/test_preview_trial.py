"""checkout/preview-trial: whether a buyer gets a subscription's trial, by store slug or session token."""

from __future__ import annotations

from support import error_of

PREVIEW = "/v1/actions/checkout/preview-trial"
CREATE = "/v1/actions/subscription-product/create-product"
PRICES = {"USD": {"amount": "12.00", "taxCategory": "saas"}}
BILLING = {"country": "DE", "isBusiness": False}


def plan(api, **metadata):
    response = api.signed(CREATE, {"storeId": api.stores[0]["id"], "name": "Plan", "billingPeriod": "monthly",
                                   "prices": PRICES, "metadata": metadata})
    assert response.status_code == 200, response.text
    return response.json()["data"]["product"]["id"]


def by_slug(api, body, store=0):
    return api.send("POST", PREVIEW, json=body, headers={"X-Store-Slug": api.stores[store]["slug"],
                                                         "X-Environment": "test"})


def preview(api, session_id, **body):
    response = by_slug(api, {"checkoutSessionId": session_id, **body})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def began(api, product_id, buyer):
    """A subscription order of this buyer on the product, paid."""
    token = api.issue_token(buyer=buyer)
    order = api.create_order({"checkoutSessionId": api.create_session(product_id, "USD"), "billingDetail": BILLING,
                              "buyerEmail": "someone@example.com"}, token, kind="subscription")
    assert order.status_code == 200, order.text
    [made] = [o for o in api.orders() if o["productId"] == product_id and o["status"] == "pending"]
    paid = api.send("POST", f"/_mock/orders/{made['id']}/pay", json={})
    assert paid.status_code == 200, paid.text


def test_a_trial_is_for_buyers_who_had_none(api):
    product = plan(api, trialDays=14)
    session = api.create_session(product, "USD")
    assert preview(api, session) == {"isEligible": True, "trialDays": 14}  # a visitor nobody knows
    assert preview(api, session, buyerIdentity="user-1") == {"isEligible": True, "trialDays": 14}
    began(api, product, "user-1")
    assert preview(api, session, buyerIdentity="user-1") == {"isEligible": False, "trialDays": 14}
    assert preview(api, session, buyerIdentity="user-2") == {"isEligible": True, "trialDays": 14}

    token = api.issue_token(buyer="user-1")  # a session token speaks for its own buyer
    answer = api.as_buyer(PREVIEW, {"checkoutSessionId": session, "buyerIdentity": "user-2"}, token)
    assert answer.status_code == 200 and answer.json()["data"]["isEligible"] is False, answer.text


def test_a_shared_trial_counts_across_the_group(api):
    first, second = plan(api, trialDays=7), plan(api, trialDays=7)
    group = api.signed("/v1/actions/subscription-product-group/create-group",
                       {"storeId": api.stores[0]["id"], "name": "Tiers", "productIds": [first, second]})
    group_id = group.json()["data"]["group"]["id"]
    began(api, first, "user-9")
    session = api.create_session(second, "USD")
    assert preview(api, session, buyerIdentity="user-9")["isEligible"] is True  # not shared yet
    api.signed("/v1/actions/subscription-product-group/update-group", {"id": group_id, "rules": {"sharedTrial": True}})
    assert preview(api, session, buyerIdentity="user-9")["isEligible"] is False


def test_the_session_s_with_trial_decides_and_no_trial_days_means_no_trial(api):
    product = plan(api, trialDays="30")
    assert preview(api, api.create_session(product, "USD", withTrial=False)) == {"isEligible": False, "trialDays": 30}
    began(api, product, "user-3")
    forced = api.create_session(product, "USD", withTrial=True)
    assert preview(api, forced, buyerIdentity="user-3") == {"isEligible": True, "trialDays": 30}
    assert preview(api, api.create_session(plan(api), "USD")) == {"isEligible": False, "trialDays": None}


def test_what_preview_trial_refuses(api):
    onetime = api.create_session()
    assert error_of(by_slug(api, {"checkoutSessionId": onetime})) == (
        400, "Session product type mismatch: expected subscription")
    assert error_of(by_slug(api, {"checkoutSessionId": "cs_00000000-0000-4000-8000-000000000000"})) == (
        409, "Checkout session invalid, please re-enter checkout")
    subscription = api.create_session(plan(api, trialDays=3), "USD")
    assert error_of(by_slug(api, {"checkoutSessionId": subscription}, store=1)) == (
        403, "Session does not belong to this store")

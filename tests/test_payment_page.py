"""The fake PSP's payment page over plain HTTP: create-order's checkoutUrl opens a page whose card
form, posted without JavaScript, settles the payment and completes the order (openapi/pages.yaml)."""

from __future__ import annotations

import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from markupsafe import escape

from support import MockServer

BILLING = {"country": "DE", "isBusiness": False}
FUTURE = "12/39"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with MockServer.start(tmp_path_factory.mktemp("payment-page")) as running:
        yield running


@pytest.fixture
def api(server):
    return server.client()


def order(api, **fields) -> dict:
    """A fresh pending order: its id and checkoutUrl."""
    session = api.create_session(**fields.pop("session", {}))
    answer = api.create_order({"checkoutSessionId": session, "buyerEmail": "buyer@example.com",
                               "billingDetail": BILLING, **fields})
    assert answer.status_code == 200, answer.text
    [made] = api.control("GET", "/orders", params={"checkoutSessionId": session})["orders"]
    return {"checkoutUrl": answer.json()["data"]["checkoutUrl"], "orderId": made["id"]}


def pay(url: str, number: str, expiry: str = FUTURE, cvc: str = "123", **extra) -> requests.Response:
    return requests.post(url, data={"cardNumber": number, "cardExpiry": expiry, "cardCvc": cvc,
                                    "cardholderName": "Ada Buyer", **extra}, allow_redirects=False, timeout=10)


def recorded(api, order_id: str) -> dict:
    """The order as the control plane has it (its pages run oldest first: the newest are asked for by id)."""
    orders = api.control("GET", "/orders", params={"limit": 1000})
    found = [o for o in orders["orders"] if o["id"] == order_id]
    assert found, "the order is on the control plane's first page"
    return found[0]


def state(page: requests.Response) -> str:
    return re.search(r'<main data-state="([a-z]+)"', page.text)[1]


def test_the_page_shows_the_order_and_a_form_that_works_without_javascript(api):
    created = order(api)
    page = requests.get(created["checkoutUrl"], timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert state(page) == "payable"
    for selector in ('id="cardNumber" name="cardNumber"', 'id="cardExpiry" name="cardExpiry"',
                     'id="cardCvc" name="cardCvc"', 'id="cardholderName" name="cardholderName"', 'id="pay"'):
        assert selector in page.text
    assert "<script" not in page.text  # no JavaScript is needed to pay
    assert 'id="buyer-email">buyer@example.com<' in page.text
    assert re.search(r'<tr class="tax-line"><td>VAT \(DE, 19 %\)</td>', page.text)
    form = re.search(r'<form method="post" action="([^"]+)"', page.text)[1]
    assert form == urlsplit(created["checkoutUrl"]).path
    assert "4576750000000110" in page.text  # the test cards are on the page


@pytest.mark.parametrize("number", ["4576 7500 0000 0110", "2226900000000110", "4001700000000110",
                                    "2226930000000110", "4242 4242 4242 4242", "4111111111111111"])
def test_a_success_card_pays_the_order_and_redirects(api, number):
    created = order(api, successUrl="https://shop.example/thanks?from=mock")
    answer = pay(created["checkoutUrl"], number)
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "shop.example", "/thanks")
    query = parse_qs(location.query)
    assert query["from"] == ["mock"] and query["orderId"] == [created["orderId"]]
    assert recorded(api, created["orderId"])["status"] == "completed"
    assert query["paymentId"][0].startswith("PAY_")


def test_without_a_success_url_the_order_lands_on_the_mock_s_thank_you_page(api):
    created = order(api)
    answer = pay(created["checkoutUrl"], "4242424242424242")
    assert answer.status_code == 303
    assert answer.headers["location"] == created["checkoutUrl"] + "/complete"
    thanks = requests.get(answer.headers["location"], timeout=10)
    assert thanks.status_code == 200 and state(thanks) == "paid"
    assert created["orderId"] in thanks.text


@pytest.mark.parametrize("number, words", [
    ("4576750000000220", "Your card was declined."),
    ("4000000000009995", "Your card has insufficient funds."),
    ("4000000000000069", "Your card has expired."),
    ("4000000000000127", "Your card&#39;s security code is incorrect."),
    ("4000000000000119", "An error occurred while processing your card."),
])
def test_a_declined_card_leaves_the_order_pending_and_another_card_then_pays(api, number, words):
    created = order(api)
    declined = pay(created["checkoutUrl"], number)
    assert declined.status_code == 402
    assert words in declined.text and 'id="payment-error"' in declined.text
    assert state(declined) == "payable"
    assert recorded(api, created["orderId"])["status"] == "pending"
    paid = pay(created["checkoutUrl"], "4242424242424242")
    assert paid.status_code == 303
    assert recorded(api, created["orderId"])["status"] == "completed"
    assert parse_qs(urlsplit(paid.headers["location"]).query).get("paymentId") is None  # the thank-you page


@pytest.mark.parametrize("fields, errors", [
    ({"number": "4242424242424241"}, ["cardNumber"]),
    ({"number": "4242424242424242", "expiry": "01/20"}, ["cardExpiry"]),
    ({"number": "4242424242424242", "expiry": "13/30"}, ["cardExpiry"]),
    ({"number": "4242424242424242", "cvc": "12"}, ["cardCvc"]),
    ({"number": "", "expiry": "", "cvc": ""}, ["cardNumber", "cardExpiry", "cardCvc"]),
])
def test_a_malformed_card_is_an_inline_error_not_a_payment(api, fields, errors):
    created = order(api)
    answer = pay(created["checkoutUrl"], **fields)
    assert answer.status_code == 422
    assert sorted(re.findall(r'id="(card\w+)-error"', answer.text)) == sorted(errors)
    assert recorded(api, created["orderId"])["status"] == "pending"
    calls = api.control("GET", "/psp/calls", params={"limit": 1000})["calls"]
    assert not [c for c in calls if c["operation"] == "charge" and c["request"]["token"] in created["checkoutUrl"]]


def test_3ds_challenge_completed_pays_and_failed_declines(api):
    created = order(api)
    challenged = pay(created["checkoutUrl"], "4000000000003220")
    assert challenged.status_code == 303
    assert challenged.headers["location"] == created["checkoutUrl"] + "/challenge"
    challenge = requests.get(challenged.headers["location"], timeout=10)
    assert 'id="challenge-complete"' in challenge.text and 'id="challenge-fail"' in challenge.text
    assert recorded(api, created["orderId"])["status"] == "pending"  # nothing charged before the answer

    failed = requests.post(challenged.headers["location"], data={"outcome": "fail"}, allow_redirects=False, timeout=10)
    assert failed.status_code == 402 and "unable to authenticate" in failed.text
    again = pay(created["checkoutUrl"], "4000000000003220")
    assert again.status_code == 303
    done = requests.post(again.headers["location"], data={"outcome": "complete"}, allow_redirects=False, timeout=10)
    assert done.status_code == 303
    assert recorded(api, created["orderId"])["status"] == "completed"


def test_3ds_then_declined_card(api):
    created = order(api)
    challenged = pay(created["checkoutUrl"], "4000008400001629")
    answer = requests.post(challenged.headers["location"], data={"outcome": "complete"}, allow_redirects=False, timeout=10)
    assert answer.status_code == 402 and "Your card was declined." in answer.text
    assert recorded(api, created["orderId"])["status"] == "pending"


def test_a_paid_order_charges_nothing_more_and_racing_submissions_charge_once(api):
    created = order(api)
    answers: list[requests.Response] = []
    barrier = threading.Barrier(8)

    def submit():
        barrier.wait()
        answers.append(pay(created["checkoutUrl"], "4242424242424242"))

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200] * 7 + [303]
    assert all(state(a) == "paid" for a in answers if a.status_code == 200)
    calls = api.control("GET", "/psp/calls", params={"limit": 1000})["calls"]
    token = urlsplit(created["checkoutUrl"]).path.rsplit("/", 1)[1]
    assert [c["outcome"] for c in calls if c["operation"] == "charge" and c["request"]["token"] == token] == ["succeeded"]
    later = requests.get(created["checkoutUrl"], timeout=10)
    assert state(later) == "paid" and 'id="pay"' not in later.text


def test_an_expired_page_charges_nothing(api):
    created = order(api)
    api.control("PUT", "/clock", json={"advanceSeconds": 25 * 3600})
    try:
        answer = pay(created["checkoutUrl"], "4242424242424242")
        assert answer.status_code == 200 and state(answer) == "expired"
        assert recorded(api, created["orderId"])["status"] == "pending"
    finally:
        api.control("PUT", "/clock", json={"advanceSeconds": -25 * 3600})


def test_what_merchants_and_buyers_typed_is_escaped_and_pages_send_a_csp(api):
    hostile = '<script>alert("x")</script>'
    made = api.signed("/v1/actions/onetime-product/create-product", {
        "storeId": api.stores[0]["id"], "name": hostile,
        "prices": {"EUR": {"amount": "10.00", "taxCategory": "digital_goods"}}})
    assert made.status_code == 200, made.text
    created = order(api, session={"product_id": made.json()["data"]["product"]["id"], "currency": "EUR"},
                    buyerEmail="o'brien@example.com")
    page = requests.get(created["checkoutUrl"], timeout=10)
    assert hostile not in page.text and str(escape(hostile)) in page.text
    assert "o&#39;brien@example.com" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("method, path", [("GET", "/psp/checkout/unknown"), ("POST", "/psp/checkout/unknown"),
                                          ("GET", "/psp/checkout/unknown/challenge"),
                                          ("GET", "/psp/checkout/unknown/complete")])
def test_an_unknown_checkout_is_an_html_404(server, method, path):
    answer = requests.request(method, server.base_url + path, data={"cardNumber": "4242424242424242"}, timeout=10)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert 'id="error-message">Not found<' in answer.text


def test_a_json_body_on_the_form_is_refused_as_a_page(api):
    created = order(api)
    answer = requests.post(created["checkoutUrl"], json={"cardNumber": "4242424242424242"}, timeout=10)
    assert answer.status_code == 415 and answer.headers["content-type"].startswith("text/html")
    assert recorded(api, created["orderId"])["status"] == "pending"


def test_a_nul_in_a_field_is_a_400_page_and_undeclared_fields_are_ignored(api, server):
    created = order(api)
    refused = pay(created["checkoutUrl"], "4242\x004242")
    assert refused.status_code == 400 and refused.headers["content-type"].startswith("text/html")
    paid = pay(created["checkoutUrl"], "4242424242424242", submit="Pay", **{"\x00odd": "\x00"})
    assert paid.status_code == 303


def test_a_page_path_no_operation_matches_is_refused_as_a_page(server):
    answer = requests.get(server.base_url + "/psp/checkout/abc%0A", timeout=10)
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    api_path = requests.post(server.base_url + "/v1/actions/nothing-here", json={}, timeout=10)
    assert api_path.status_code == 404 and api_path.headers["content-type"] == "application/json"


def test_the_hosted_checkout_page_is_served_with_a_token_that_orders_the_session(api, server):
    answer = api.signed("/v1/actions/checkout/create-session", {"productId": api.product()["id"], "currency": "EUR"})
    url = answer.json()["data"]["checkoutUrl"]
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and state(page) == "open"
    assert "script-src 'sha256-" in page.headers["content-security-policy"]
    token = re.search(r'data-token="([^"]+)"', page.text)[1]
    session = urlsplit(url).path.rsplit("/", 1)[1]
    ordered = api.create_order({"checkoutSessionId": session, "buyerEmail": "guest@example.com",
                                "billingDetail": BILLING}, token)
    assert ordered.status_code == 200
    again = requests.get(url, timeout=10)
    assert state(again) == "completed" and 'data-token=""' in again.text  # no token for a closed session
    other_store = urlsplit(url).path.replace(api.stores[0]["slug"], api.stores[1]["slug"])
    assert requests.get(server.base_url + other_store, timeout=10).status_code == 404
    assert requests.get(url + "x", timeout=10).status_code == 404


@pytest.mark.parametrize("body, status, reason, order_status", [
    ({}, "succeeded", None, "completed"),
    ({"cardNumber": "5555 5555 5555 4444"}, "succeeded", None, "completed"),
    ({"outcome": "insufficient_funds"}, "failed", "insufficient_funds", "pending"),
    ({"cardNumber": "4000000000003220"}, "succeeded", None, "completed"),
    ({"cardNumber": "4000000000003220", "challenge": "fail"}, "failed", "authentication_failed", "pending"),
    ({"outcome": "authentication_failed"}, "failed", "authentication_failed", "pending"),
])
def test_the_control_plane_pays_an_order_without_a_browser(api, body, status, reason, order_status):
    created = order(api)
    paid = api.control("POST", f"/orders/{created['orderId']}/pay", json=body)
    assert (paid["payment"]["status"], paid["payment"]["failureReason"]) == (status, reason)
    assert paid["order"]["status"] == order_status
    if "cardNumber" in body:
        assert paid["payment"]["card"]["last4"] == body["cardNumber"].replace(" ", "")[-4:]
    detail = api.control("GET", f"/orders/{created['orderId']}")
    assert [p["status"] for p in detail["payments"]] == [status]


def test_an_order_s_payments_are_listed_oldest_first(api):
    created = order(api)
    pay(created["checkoutUrl"], "4000000000000002")
    pay(created["checkoutUrl"], "4242424242424242")
    detail = api.control("GET", f"/orders/{created['orderId']}")
    assert [(p["status"], p["failureReason"], p["card"]["last4"]) for p in detail["payments"]] == [
        ("failed", "card_declined", "0002"), ("succeeded", None, "4242")]
    assert detail["paymentId"] == detail["payments"][-1]["id"]


def test_the_control_plane_refuses_what_the_page_would(api, server):
    created = order(api)
    refused = api.send("POST", f"/_mock/orders/{created['orderId']}/pay", json={"cardNumber": "4242424242424241"},
                       headers=api.control_headers)
    assert refused.status_code == 400 and refused.json()["errors"][0]["message"] == "Invalid card: Your card number is invalid."
    both = api.send("POST", f"/_mock/orders/{created['orderId']}/pay", headers=api.control_headers,
                    json={"cardNumber": "4242424242424242", "outcome": "succeeded"})
    assert (both.status_code, both.json()["errors"][0]["message"]) == (
        400, "Invalid body: cardNumber and outcome are mutually exclusive")
    api.control("POST", f"/orders/{created['orderId']}/pay", json={})
    again = api.send("POST", f"/_mock/orders/{created['orderId']}/pay", json={}, headers=api.control_headers)
    assert (again.status_code, again.json()["errors"][0]["message"]) == (409, "Order cannot be paid, current status: completed")
    unknown = api.send("POST", "/_mock/orders/ORD_x/pay", json={}, headers=api.control_headers)
    assert unknown.status_code == 404


def test_the_checkout_page_shows_the_version_and_price_the_session_locked(api):
    made = api.signed("/v1/actions/onetime-product/create-product", {
        "storeId": api.stores[0]["id"], "name": "Locked",
        "prices": {"EUR": {"amount": "10.00", "taxCategory": "digital_goods"}}})
    product_id = made.json()["data"]["product"]["id"]
    url = api.signed("/v1/actions/checkout/create-session", {"productId": product_id, "currency": "EUR"}).json()["data"]["checkoutUrl"]
    changed = api.signed("/v1/actions/onetime-product/update-product", {
        "id": product_id, "name": "Changed", "prices": {"EUR": {"amount": "99.00", "taxCategory": "digital_goods"}}})
    assert changed.status_code == 200, changed.text
    page = requests.get(url, timeout=10).text
    assert 'id="price-amount">10.00<' in page and 'data-version="1"' in page and ">Locked<" in page

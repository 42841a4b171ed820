"""The pages in headless Chromium: from create-session's checkoutUrl, through the hosted checkout
page (its tax preview follows the country), to the PSP's page and a paid order."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.select import Select

from browser import wait
from support import MockServer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with MockServer.start(tmp_path_factory.mktemp("pages-browser")) as running:
        yield running


@pytest.fixture
def api(server):
    return server.client()


def text(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def checkout_url(api, **fields) -> str:
    answer = api.signed("/v1/actions/checkout/create-session",
                        {"productId": api.product()["id"], "currency": "EUR", **fields})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["checkoutUrl"]


def fill_billing(driver, email: str, country: str, postcode: str = "") -> None:
    email_input = driver.find_element(By.ID, "buyerEmail")
    email_input.clear()
    email_input.send_keys(email)
    Select(driver.find_element(By.ID, "country")).select_by_value(country)
    if postcode:
        driver.find_element(By.ID, "postcode").send_keys(postcode)


def preview_total(driver, before: str | None = None) -> str:
    """The tax preview's total, once it has one (and, given `before`, once it has changed)."""
    wait(driver, lambda d: text(d, "preview-total") not in ("…", before))
    return text(driver, "preview-total")


def to_psp_page(driver, url: str, email: str, *, opened: bool = False) -> None:
    """From the hosted checkout page (opened here unless it already is), on to the PSP's page."""
    if not opened:
        driver.get(url)
    fill_billing(driver, email, "DE")
    preview_total(driver)
    driver.find_element(By.ID, "continue").click()
    wait(driver, lambda d: "/psp/checkout/" in d.current_url)


def pay_on_psp_page(driver, number: str) -> None:
    wait(driver, seen.presence_of_element_located((By.ID, "cardNumber")))
    for field, value in (("cardNumber", number), ("cardExpiry", "12/39"), ("cardCvc", "123"),
                         ("cardholderName", "Ada Buyer")):
        element = driver.find_element(By.ID, field)
        element.clear()
        element.send_keys(value)
    driver.find_element(By.ID, "pay").click()


def order_of(api, url: str) -> dict:
    session = urlsplit(url).path.rsplit("/", 1)[1]
    [order] = api.control("GET", "/orders", params={"checkoutSessionId": session})["orders"]
    return order


def test_hosted_checkout_with_tax_preview_then_psp_page_then_paid_and_redirected(api, chromium, server):
    success = server.base_url + "/landing"
    url = checkout_url(api, successUrl=success)
    chromium.get(url)
    assert text(chromium, "price-currency") == "EUR"
    fill_billing(chromium, "Buyer@Example.com ", "DE")
    german = preview_total(chromium)
    assert "VAT (DE, 19 %)" in text(chromium, "tax-lines")
    Select(chromium.find_element(By.ID, "country")).select_by_value("FR")
    french = preview_total(chromium, german)
    assert "VAT (FR, 20 %)" in text(chromium, "tax-lines") and french != german
    Select(chromium.find_element(By.ID, "country")).select_by_value("US")
    wait(chromium, lambda d: d.find_element(By.ID, "state-field").is_displayed())
    Select(chromium.find_element(By.ID, "state")).select_by_value("WA")
    chromium.find_element(By.ID, "postcode").send_keys("98101")
    american = preview_total(chromium, french)
    Select(chromium.find_element(By.ID, "country")).select_by_value("DE")
    assert preview_total(chromium, american) == german
    chromium.find_element(By.ID, "continue").click()

    wait(chromium, lambda d: "/psp/checkout/" in d.current_url)
    assert text(chromium, "total") == german
    assert text(chromium, "buyer-email") == "buyer@example.com"
    pay_on_psp_page(chromium, "4242 4242 4242 4242")
    wait(chromium, lambda d: d.current_url.startswith(success))
    landed = parse_qs(urlsplit(chromium.current_url).query)
    order = order_of(api, url)
    assert landed["orderId"] == [order["id"]] and order["status"] == "completed"


def test_a_declined_card_then_another_card_pays(api, chromium):
    url = checkout_url(api)
    to_psp_page(chromium, url, "decline@example.com")
    pay_on_psp_page(chromium, "4000 0000 0000 9995")
    wait(chromium, seen.presence_of_element_located((By.ID, "payment-error")))
    assert text(chromium, "payment-error") == "Your card has insufficient funds."
    assert order_of(api, url)["status"] == "pending"
    pay_on_psp_page(chromium, "5555 5555 5555 4444")
    wait(chromium, lambda d: d.current_url.endswith("/complete"))
    assert order_of(api, url)["status"] == "completed"


@pytest.mark.parametrize("button, outcome", [("challenge-fail", "pending"), ("challenge-complete", "completed")])
def test_3ds_challenge(api, chromium, button, outcome):
    url = checkout_url(api)
    to_psp_page(chromium, url, "threeds@example.com")
    pay_on_psp_page(chromium, "4000 0000 0000 3220")
    wait(chromium, seen.element_to_be_clickable((By.ID, button))).click()
    if outcome == "pending":
        wait(chromium, seen.presence_of_element_located((By.ID, "payment-error")))
    else:
        wait(chromium, lambda d: d.current_url.endswith("/complete"))
    assert order_of(api, url)["status"] == outcome


def test_an_error_of_create_order_is_shown_in_words_and_a_409_offers_a_restart(api, chromium):
    url = checkout_url(api)
    chromium.get(url)
    fill_billing(chromium, "not-an-email", "DE")
    preview_total(chromium)
    chromium.find_element(By.ID, "continue").click()
    wait(chromium, lambda d: d.find_element(By.ID, "checkout-error").is_displayed())
    assert text(chromium, "checkout-error") == "Invalid buyerEmail"
    assert not chromium.find_element(By.ID, "restart").is_displayed()
    # Ordered meanwhile (another tab): the page's next try is refused with 409 and offers a restart.
    token = api.issue_token()
    session = urlsplit(url).path.rsplit("/", 1)[1]
    api.create_order({"checkoutSessionId": session, "buyerEmail": "b@example.com",
                      "billingDetail": {"country": "DE", "isBusiness": False}}, token)
    fill_billing(chromium, "b@example.com", "DE")
    chromium.find_element(By.ID, "continue").click()
    wait(chromium, lambda d: d.find_element(By.ID, "restart").is_displayed())
    assert text(chromium, "checkout-error") == "Checkout session invalid, please re-enter checkout"


def test_what_merchants_typed_stays_text(api, chromium):
    hostile = '<img src=x id=xss onerror=alert(1)><script>alert(2)</script>'  # an alert would fail the next step
    made = api.signed("/v1/actions/onetime-product/create-product", {
        "storeId": api.stores[0]["id"], "name": hostile,
        "prices": {"EUR": {"amount": "10.00", "taxCategory": "digital_goods"}}})
    assert made.status_code == 200, made.text
    answer = api.signed("/v1/actions/checkout/create-session",
                        {"productId": made.json()["data"]["product"]["id"], "currency": "EUR"})
    url = answer.json()["data"]["checkoutUrl"]
    chromium.get(url)
    assert text(chromium, "product-name") == hostile
    to_psp_page(chromium, url, "xss@example.com", opened=True)
    assert text(chromium, "product-name") == hostile
    assert chromium.find_elements(By.ID, "xss") == []


def test_a_dark_mode_session_in_german_is_served_so(api, chromium):
    chromium.get(checkout_url(api, darkMode=True, language="ja-JP"))
    root = chromium.find_element(By.TAG_NAME, "html")
    assert (root.get_attribute("data-theme"), root.get_attribute("lang")) == ("dark", "ja-JP")


def test_a_plan_change_is_confirmed_on_its_change_page(api, chromium):
    [monthly, yearly] = api.products("subscription")[:2]
    token = api.issue_token(buyer="page-changer")
    session = api.create_session(monthly["id"], "USD")
    made = api.create_order({"checkoutSessionId": session, "buyerEmail": "p@example.com",
                             "billingDetail": {"country": "DE", "isBusiness": False}}, token, kind="subscription")
    assert made.status_code == 200, made.text
    [order] = api.orders(session)
    api.control("POST", f"/orders/{order['id']}/pay", json={})
    link = api.signed("/v1/actions/checkout/create-session", {"originOrderId": order["id"], "productId": yearly["id"],
                                                              "currency": "USD", "changeTiming": "next_period"})
    assert link.status_code == 200, link.text
    chromium.get(link.json()["data"]["checkoutUrl"])
    wait(chromium, seen.element_to_be_clickable((By.ID, "confirm-change"))).click()
    wait(chromium, seen.text_to_be_present_in_element((By.ID, "change-state"), "confirmed"))
    billing = api.control("POST", f"/subscriptions/{order['id']}/failing-renewals", json={"count": 0})
    api.control("PUT", "/clock", json={"now": billing["currentPeriodEnd"]})
    api.control("PUT", "/clock", json={"advanceSeconds": 1})
    assert api.control("GET", f"/orders/{order['id']}")["productId"] == yearly["id"]
    chromium.refresh()  # confirmed once: the page says so, and has no form any more
    assert "confirmed" in text(chromium, "change-state") and not chromium.find_elements(By.ID, "confirm-change")


def test_a_tenant_s_pages_call_its_own_api_from_checkout_to_paid(api, chromium):
    """Under a tenant's base URL the checkout page previews tax and orders through that tenant's
    API, and its PSP page, 3-D Secure challenge and thank-you page stay under the prefix."""
    creds = api.send("POST", "/_mock/tenants").json()
    tenant = type(api)(creds["baseUrl"], creds)
    url = checkout_url(tenant)
    assert url.startswith(tenant.base_url + "/store/")
    to_psp_page(chromium, url, "tenant@example.com")
    assert chromium.current_url.startswith(tenant.base_url + "/psp/checkout/")
    pay_on_psp_page(chromium, "4000 0000 0000 3220")  # 3-D Secure: the challenge page first
    wait(chromium, seen.presence_of_element_located((By.ID, "challenge-complete"))).click()
    wait(chromium, lambda d: d.current_url.endswith("/complete"))
    assert chromium.current_url.startswith(tenant.base_url + "/psp/checkout/")
    assert order_of(tenant, url)["status"] == "completed"
    session = urlsplit(url).path.rsplit("/", 1)[1]
    assert api.control("GET", "/orders", params={"checkoutSessionId": session})["orders"] == []  # nor the mock's own

"""Make the README's screenshots of the pages: `.venv/bin/python docs/screenshots.py`.

Starts a mock on a free loopback port with a fresh data dir, opens a session's hosted checkout
page in headless Chromium (phone-sized), fills the billing form, and saves docs/checkout-page.png;
then continues to the PSP's payment page and saves docs/payment-page.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

import browser  # noqa: E402
from support import MockServer  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as work, MockServer.start(Path(work)) as server:
        api = server.client()
        answer = api.signed("/v1/actions/checkout/create-session",
                            {"productId": api.product()["id"], "currency": "EUR", "buyerEmail": "ada@example.com"})
        driver = browser.start(Path(work) / "profile")
        try:
            driver.get(answer.json()["data"]["checkoutUrl"])
            Select(driver.find_element(By.ID, "country")).select_by_value("DE")
            driver.find_element(By.ID, "postcode").send_keys("10115")
            WebDriverWait(driver, 10).until(lambda d: "VAT" in d.find_element(By.ID, "tax-lines").text)
            driver.save_screenshot(str(HERE / "checkout-page.png"))
            driver.find_element(By.ID, "continue").click()
            WebDriverWait(driver, 10).until(lambda d: "/psp/checkout/" in d.current_url)
            driver.find_element(By.ID, "cardNumber").send_keys("4242 4242 4242 4242")
            driver.find_element(By.ID, "cardExpiry").send_keys("12/30")
            driver.find_element(By.ID, "cardCvc").send_keys("123")
            driver.save_screenshot(str(HERE / "payment-page.png"))
        finally:
            driver.quit()
    print("wrote docs/checkout-page.png and docs/payment-page.png")


if __name__ == "__main__":
    main()

"""Headless Chromium for the page tests: Debian's `chromium` and `chromium-driver`, driven by Selenium.

Every start gets a fresh profile and the flags that keep Chromium off the network (this machine's
network is closed: its background connections would be refused, many at a time).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.wait import WebDriverWait

CHROMIUM = Path(os.environ.get("PANCAKE_MOCK_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("PANCAKE_MOCK_CHROMEDRIVER", "/usr/bin/chromedriver"))
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=430,1000")


def available() -> bool:
    return CHROMIUM.is_file() and CHROMEDRIVER.is_file()


def start(profile: Path | None = None) -> webdriver.Chrome:
    """A headless Chromium (phone-sized window); quit() it when done."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile or tempfile.mkdtemp(prefix='pancake-chromium-')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, for console_errors()
    # Selenium Manager would look for a driver online; the Debian one is given.
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def missing_reason() -> str:
    return (f"Chromium or ChromeDriver is not installed ({CHROMIUM}, {CHROMEDRIVER}; Debian packages "
            f"chromium and chromium-driver); found chromium: {shutil.which('chromium')}")


def wait(driver: webdriver.Chrome, condition, seconds: float = 10):
    return WebDriverWait(driver, seconds).until(condition)


def console_errors(driver: webdriver.Chrome) -> list[str]:
    """What the page logged as errors (scripts, CSP refusals, failed loads) since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]

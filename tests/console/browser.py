"""Headless Chromium (Debian's `chromium` and `chromium-driver`) driven by Selenium, never downloaded."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def missing() -> str | None:
    """Why no browser test can run here (None when Chromium and its driver are installed)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(path) is None:
            return f"{path} is missing: `make test` installs Debian's chromium and chromium-driver"
    return None


@contextmanager
def chromium(profile: Path, *, width: int = 1400, height: int = 1000) -> Iterator[WebDriver]:
    """A fresh headless Chromium (its own profile folder), closed on exit."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--user-data-dir={profile}", f"--window-size={width},{height}"):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def sign_in(driver: WebDriver, url: str, key: str) -> None:
    """Sign in through the form, as a person would."""
    driver.get(f"{url}/console")
    driver.find_element(By.ID, "api-key").send_keys(key)
    driver.find_element(By.ID, "sign-in").click()
    wait_for(driver, By.ID, "who")


def wait_for(driver: WebDriver, by: str, what: str, *, text: str | None = None, seconds: float = 20) -> None:
    """Wait until the element is on the page (and holds `text`, when given)."""
    waiting = WebDriverWait(driver, seconds)
    if text is None:
        waiting.until(expected_conditions.presence_of_element_located((by, what)))
    else:
        waiting.until(expected_conditions.text_to_be_present_in_element((by, what), text))

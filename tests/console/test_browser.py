"""The console in a real browser: sign in, watch a request arrive, open and approve a run, verify the
audit chain, and check that a user key sees nothing of another tenant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.console.browser import chromium, missing, sign_in, wait_for
from tests.console.live import Live, live_console

pytestmark = pytest.mark.skipif(missing() is not None, reason=missing() or "")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_console(tmp_path_factory.mktemp("console")) as served:
        yield served


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    with chromium(tmp_path / "profile") as driver:
        yield driver


def _api(live: Live, who: str, model: str = "small", text: str = "Hello there") -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": text}]}
    headers = {"Authorization": f"Bearer {live.keys[who]}"}
    response = httpx.post(f"{live.url}/v1/chat/completions", json=body, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response


def test_a_request_just_made_appears_live(live: Live, browser: WebDriver) -> None:
    sign_in(browser, live.url, live.keys["admin"])
    browser.get(f"{live.url}/console/requests")
    request_id = _api(live, "user").headers["x-request-id"]
    wait_for(browser, By.ID, "requests-table", text=request_id[:12])  # htmx refreshes the table
    browser.find_element(By.LINK_TEXT, request_id[:12]).click()
    wait_for(browser, By.ID, "request-id", text=request_id)
    assert "Hello there" not in browser.page_source  # no prompt text: log_prompts is off
    browser.get(f"{live.url}/console")
    wait_for(browser, By.CSS_SELECTOR, ".uplot canvas")  # the charts drew
    assert int(browser.find_element(By.ID, "total-requests").text) >= 1


def test_open_a_run_and_approve_its_pending_action(live: Live, browser: WebDriver) -> None:
    run_id = _api(live, "user", "socle-orchestrator", "Is our data storage compliant?").headers[
        "x-socle-run-id"
    ]
    sign_in(browser, live.url, live.keys["admin"])
    browser.get(f"{live.url}/console/runs")
    browser.find_element(By.LINK_TEXT, run_id).click()
    wait_for(browser, By.ID, "run-status", text="awaiting_approval")
    browser.find_element(By.ID, "approve").click()
    wait_for(browser, By.ID, "run-status", text="completed")
    assert not browser.find_elements(By.ID, "pending")


def test_verify_the_audit_chain(live: Live, browser: WebDriver) -> None:
    sign_in(browser, live.url, live.keys["root"])
    browser.get(f"{live.url}/console/audit")
    browser.find_element(By.ID, "verify").click()
    wait_for(browser, By.ID, "verify-result", text="Intact")


def test_a_user_key_sees_nothing_of_another_tenant(live: Live, browser: WebDriver) -> None:
    acme = _api(live, "user").headers["x-request-id"]
    globex = _api(live, "other").headers["x-request-id"]
    sign_in(browser, live.url, live.keys["other"])
    browser.get(f"{live.url}/console/requests")
    wait_for(browser, By.ID, "requests-table", text=globex[:12])
    assert acme[:12] not in browser.find_element(By.ID, "requests-table").text
    browser.get(f"{live.url}/console/requests/{acme}")
    wait_for(browser, By.ID, "error-message", text="no request")
    browser.get(f"{live.url}/console/governance")
    wait_for(browser, By.ID, "error-message", text="may not do this")


def test_list_a_tenants_documents_and_erase_one(live: Live, browser: WebDriver) -> None:
    body = {"filename": "handbook.txt", "content": "The handbook says hello.", "document_id": "handbook-acme"}
    headers = {"Authorization": f"Bearer {live.keys['admin']}"}
    made = httpx.post(f"{live.url}/v1/knowledge/documents", json=body, headers=headers, timeout=30)
    assert made.status_code == 201, made.text
    sign_in(browser, live.url, live.keys["other"])  # a user of globex: acme's documents are not listed
    browser.get(f"{live.url}/console/knowledge")
    wait_for(browser, By.ID, "documents-table", text="No document")
    assert "handbook-acme" not in browser.page_source
    browser.delete_all_cookies()  # signed out: now the tenant's admin
    sign_in(browser, live.url, live.keys["admin"])
    browser.get(f"{live.url}/console/knowledge")
    wait_for(browser, By.ID, "documents-table", text="handbook-acme")
    row = browser.find_element(By.XPATH, "//tr[td/code[text()='handbook-acme']]")
    row.find_element(By.CSS_SELECTOR, "button.danger").click()
    wait_for(browser, By.ID, "message", text="Erased 'handbook-acme'")
    assert "handbook-acme" not in browser.find_element(By.ID, "documents-table").text

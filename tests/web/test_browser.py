"""The web view in a real browser: headless Chromium (Debian's), driven by Selenium,
against ``ledger serve``'s application run by uvicorn on a free port.

It moves the Working Group's date slider across 4 July 2024 and sees the Membership
section change, follows a link to the redline, opens an inquorate meeting and sees why,
and saves the screenshots the user guide shows (docs/images/).
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from ledger.cli.demo import build
from ledger.web.app import create_app
from tests.web.browser import require_chromium

IMAGES = Path(__file__).parents[2] / "docs" / "images"
WIDTH, HEIGHT = 960, 1100


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo ledger served by uvicorn on a free port of 127.0.0.1; its address."""
    url = str(tmp_path_factory.mktemp("browser") / "ledger.db")
    with contextlib.redirect_stdout(io.StringIO()):
        build(url)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(url), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    chromium, driver = require_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--window-size={WIDTH},{HEIGHT}",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    opened = webdriver.Chrome(options=options, service=Service(executable_path=str(driver)))
    opened.set_page_load_timeout(20)
    yield opened
    opened.quit()


def shoot(browser: WebDriver, name: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(IMAGES / name))


def section_text(browser: WebDriver, section: str) -> str:
    return str(browser.find_element(By.ID, f"s-{section}").text)


def test_the_slider_across_4_july_2024_changes_the_membership_and_links_to_the_redline(
    browser: WebDriver, site: str
) -> None:
    browser.get(f"{site}/bodies/kcsp-wg/tor?on=2024-07-03")
    before = section_text(browser, "membership")
    assert "As amended from 2024-07-04" not in before

    slider = browser.find_element(By.ID, "day")
    slider.send_keys(Keys.ARROW_RIGHT)  # one day on: the page of 4 July 2024 opens
    WebDriverWait(browser, 10).until(lambda b: "on=2024-07-04" in b.current_url)

    after = section_text(browser, "membership")
    assert "As amended from 2024-07-04" in after
    assert after != before
    assert browser.find_element(By.ID, "day-shown").text == "2024-07-04"
    assert browser.switch_to.active_element.get_attribute("id") == "day"  # the next key
    browser.switch_to.active_element.send_keys(Keys.ARROW_LEFT)
    WebDriverWait(browser, 10).until(lambda b: "on=2024-07-03" in b.current_url)
    assert "As amended from 2024-07-04" not in section_text(browser, "membership")
    browser.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    WebDriverWait(browser, 10).until(lambda b: "on=2024-07-04" in b.current_url)
    browser.execute_script("window.scrollTo(0, 0)")
    shoot(browser, "tor-slider.png")

    membership = browser.find_element(By.ID, "s-membership")
    membership.find_element(By.PARTIAL_LINK_TEXT, "What changed on 2024-07-04").click()
    WebDriverWait(browser, 10).until(lambda b: "/tor/redline" in b.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Redline: 2024-07-03 to 2024-07-04"
    change = browser.find_element(By.ID, "c-membership").find_element(By.XPATH, "..")
    assert change.find_elements(By.TAG_NAME, "del")
    assert change.find_elements(By.TAG_NAME, "ins")
    shoot(browser, "redline.png")


def test_an_inquorate_meeting_shows_the_reason(browser: WebDriver, site: str) -> None:
    browser.get(f"{site}/bodies/kcsp-wg/meetings")
    browser.find_element(By.LINK_TEXT, "kcsp-wg-2024-09-12").click()
    WebDriverWait(browser, 10).until(lambda b: "/meetings/kcsp-wg-2024-09-12" in b.current_url)

    start = browser.find_element(By.ID, "start-h").find_element(By.XPATH, "..")
    assert "At the start: NOT quorate" in start.text
    assert "1 more responsible-authority organisation(s) needed" in start.text
    shoot(browser, "meeting-inquorate.png")


def test_the_bodies_and_the_budget_chart_for_the_guide(browser: WebDriver, site: str) -> None:
    browser.get(f"{site}/bodies?on=2024-07-04")
    assert "Working Group" in browser.find_element(By.CLASS_NAME, "tree").text
    shoot(browser, "bodies.png")

    browser.get(f"{site}/funds/kcsp-csf?on=2025-03-31")
    chart = browser.find_element(By.CSS_SELECTOR, "figure.chart svg")
    assert chart.size["width"] > 300
    assert len(chart.find_elements(By.TAG_NAME, "polyline")) == 4
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.TAG_NAME, "h2"))
    shoot(browser, "budget.png")


def test_no_page_logs_an_error_in_the_browser(browser: WebDriver, site: str) -> None:
    browser.get(f"{site}/bodies/kcsp-wg/tor?on=2024-07-04")
    # Everything the console took since the browser opened, on every page this module saw.
    logged = [entry["message"] for entry in browser.get_log("browser")]

    assert not logged, logged  # no policy refused, no script or pattern error, no 404

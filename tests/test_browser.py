"""The search page in a real browser: Debian's headless Chromium, driven by Selenium, against ``ichigo-search serve``.

Skipped only when Chromium or its driver is not installed here; with
ICHIGO_REQUIRE_BROWSER=1 (set by .ci/run, which installs both) a missing
browser fails the test instead.  ICHIGO_SCREENSHOT=path saves the results
page there (``docs/screenshot.png`` is made that way).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import SAMPLE_CORPUS, fsa_lines

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FSA_RECORDS = 150
STARTUP_DEADLINE = 120.0  # seconds for the server to build its index and answer


def _need_browser() -> None:
    missing = [name for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if not path]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if not missing:
        return
    message = f"{' and '.join(missing)} not installed (apt-get install chromium chromium-driver)"
    if os.environ.get("ICHIGO_REQUIRE_BROWSER") == "1":
        pytest.fail(f"ICHIGO_REQUIRE_BROWSER=1 but {message}")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _corpus(target: Path) -> Path:
    """The sample collection and, for several pages of results, some FSA/OWI captions."""
    shutil.copytree(SAMPLE_CORPUS, target)
    (target / "fsa-sample.jsonl").write_text("\n".join(fsa_lines(FSA_RECORDS)) + "\n", encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``ichigo-search serve`` on a free loopback port, in its own process."""
    _need_browser()
    root = tmp_path_factory.mktemp("browser")
    corpus = _corpus(root / "corpus")
    port = _free_port()
    log = (root / "server.log").open("w")
    command = [sys.executable, "-m", "ichigo_search", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--corpus", str(corpus), "--index", str(root / "index")], stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_DEADLINE
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server stopped: {(root / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if json.load(response)["status"] == "ok":
                        break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer: {(root / 'server.log').read_text()}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def browser(server, tmp_path, monkeypatch):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must not try to download anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(10)
    yield driver
    driver.quit()


def _wait_for(driver, condition):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 20).until(condition)


def test_search_highlight_facet_and_paginate_in_chromium(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Ichigo Campaign"
    box = browser.switch_to.active_element
    assert box.get_attribute("id") == "q"  # autofocus: type straight away

    box.send_keys("school", Keys.ENTER)
    _wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "li.hit"))
    assert "q=school" in browser.current_url  # the query is in the URL, so results can be linked
    marks = [mark.text.lower() for mark in browser.find_elements(By.CSS_SELECTOR, "li.hit mark")]
    assert "school" in marks and all(marks)
    total = int(browser.find_element(By.CSS_SELECTOR, ".summary strong:nth-of-type(2)").text.replace(",", ""))
    assert total > 10

    # Pagination: the next page starts at hit 11.
    first_page = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".hit-title a")]
    browser.find_element(By.LINK_TEXT, "Next ›").click()
    _wait_for(browser, lambda d: "page=2" in d.current_url)
    assert browser.find_element(By.CSS_SELECTOR, "ol.hits").get_attribute("start") == "11"
    second_page = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".hit-title a")]
    assert second_page and not set(first_page) & set(second_page)
    current = browser.find_element(By.CSS_SELECTOR, ".pagination a[aria-current='page']")
    assert current.text == "2"

    # A place facet filters, and its count is the number of results.
    facet = browser.find_element(By.CSS_SELECTOR, ".facets li:nth-child(2) a")
    name = facet.text
    # standalone: not a file path (an XPath step to the facet's parent element)
    count = int(facet.find_element(By.XPATH, "../span[@class='count']").text.replace(",", ""))
    facet.click()
    _wait_for(browser, lambda d: "place=" in d.current_url)
    chip = browser.find_element(By.CSS_SELECTOR, ".active-filters li")
    assert chip.text.startswith(f"Place: {name}")
    shown = browser.find_element(By.CSS_SELECTOR, ".summary").text
    assert f"{count:,} caption" in shown and "page=" not in browser.current_url

    # Keyboard: the search box is reachable and Tab moves on to the button.
    box = browser.find_element(By.ID, "q")
    box.click()
    box.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.tag_name == "button"

    browser.get(server + "/?q=Liuzhou+airbase")
    _wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "li.hit mark"))
    screenshot = Path(os.environ.get("ICHIGO_SCREENSHOT") or tmp_path / "results.png")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(screenshot)) and screenshot.stat().st_size > 10_000


def test_page_fits_a_phone_screen(server, browser):
    from selenium.webdriver.common.by import By

    browser.set_window_size(390, 844)
    browser.get(server + "/?q=school")
    _wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "li.hit"))
    overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0  # nothing wider than the screen: no sideways scrolling
    box = browser.find_element(By.ID, "q").rect
    assert box["width"] > 150  # the search box keeps a usable width


def test_a_missing_browser_skips_here_but_fails_where_required(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", None)
    monkeypatch.delenv("ICHIGO_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium"):
        _need_browser()
    monkeypatch.setenv("ICHIGO_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="ICHIGO_REQUIRE_BROWSER=1 but chromium"):
        _need_browser()

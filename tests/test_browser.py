"""The page at `GET /` in a real headless Chromium against a running fake: what it shows, a download
by click, the automatic refresh, and a screenshot.

Chromium and its driver come from the system packages (Debian: `apt-get install chromium
chromium-driver`); Selenium drives them. The test skips only when no Chromium binary is found.
"""

from __future__ import annotations

import os
import shutil
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from fake_redcap import FakeServer, FakeState
from fake_redcap.faults import Fault

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMEDRIVER_PLACES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
FULL = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
DEID = "1402FA4EFA4EFA4EFA4EFA4EFA4EFA4E"


def find_chromium() -> str | None:
    configured = os.environ.get("CHROMIUM_BIN")
    if configured:
        return configured
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def find_chromedriver() -> str | None:
    return shutil.which("chromedriver") or next((p for p in CHROMEDRIVER_PLACES if Path(p).is_file()), None)


@pytest.fixture
def chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[webdriver.Chrome]:
    binary = find_chromium()
    if binary is None:
        pytest.skip(
            "no Chromium binary found (looked for $CHROMIUM_BIN and "
            + ", ".join(CHROMIUM_NAMES)
            + " on PATH); "
            "install it with: apt-get install chromium chromium-driver"
        )
    driver_path = find_chromedriver()
    assert driver_path is not None, (
        f"Chromium is at {binary} but chromedriver is missing: apt-get install chromium-driver"
    )
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must not try to download anything
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        driver.set_page_load_timeout(120)  # generous: CI machines are loaded; a wait, not a timing check
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeState(), "127.0.0.1", 0) as running:
        yield running


def _export(server: FakeServer, token: str, field: str) -> None:
    params = {"token": token, "content": "file", "action": "export", "record": "1", "field": field}
    requests.post(server.url, data={**params, "returnFormat": "json"}, timeout=10)


def _wait_for_file(folder: Path, name: str, seconds: float = 120.0) -> Path:
    """Chromium writes `name.crdownload` first and renames it when the download is complete."""
    deadline = time.monotonic() + seconds
    target = folder / name
    while time.monotonic() < deadline:
        if target.is_file():
            return target
        time.sleep(0.05)
    raise AssertionError(f"{name!r} did not arrive in {folder}; it holds {sorted(os.listdir(folder))}")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR"), "a PNG starts with its IHDR chunk"
    width, height = struct.unpack(">II", data[16:24])
    assert data[-12:] == b"\x00\x00\x00\x00IEND\xaeB`\x82", "a complete PNG ends with IEND"
    return width, height


def test_the_page_in_a_real_browser(chromium: webdriver.Chrome, server: FakeServer, tmp_path: Path) -> None:
    _export(server, FULL, "lab_report")
    _export(server, DEID, "consent_form")
    server.state.faults.add(Fault("http_error", status=502))
    _export(server, FULL, "study_document")

    # Without the control secret the browser sees only how to open the page, and no project data.
    chromium.get(server.base_url + "/")
    assert "open it with the page url" in chromium.find_element(By.ID, "locked").text.lower()
    assert "Export File demo" not in chromium.page_source
    chromium.get(server.base_url + "/__fake__/files/14?record=2&field=consent_form")
    assert "needs proof" in chromium.page_source

    # The URL the server prints trades the secret for a cookie and drops it from the address bar.
    chromium.get(server.page_url + "&refresh=1")
    assert chromium.current_url == server.base_url + "/?refresh=1"
    assert server.control_secret not in chromium.current_url
    assert chromium.title == "fake REDCap"
    refresh = chromium.find_element(By.CSS_SELECTOR, 'meta[http-equiv="refresh"]')
    assert refresh.get_attribute("content") == "1"

    headings = [h.text for h in chromium.find_elements(By.TAG_NAME, "h2")]
    assert headings[:2] == [
        "Project 14: Export File demo (classic)",
        "Project 15: Export File demo (longitudinal)",
    ]
    users = chromium.find_element(By.CSS_SELECTOR, "#project-14 table.users")
    assert "deid_user 1402… De-Identified" in users.text
    fields = chromium.find_element(By.CSS_SELECTOR, "#project-14 table.fields").text
    assert "consent_form enrollment file identifier" in fields
    assert "participant_signature enrollment file signature" in fields
    requests_table = chromium.find_element(By.CSS_SELECTOR, "table.requests").text
    assert "502 fault: http_error" in requests_table
    assert "403 error: The API request cannot complete" in requests_table
    assert "200 ok" in requests_table
    source = chromium.page_source
    for user in (u for p in server.state.projects for u in p.users):
        assert user.token not in source

    # The page refreshes on its own: a request made now shows up without a reload from here.
    _export(server, FULL, "participant_signature")
    WebDriverWait(chromium, 120).until(
        lambda d: "participant_signature" in d.find_element(By.CSS_SELECTOR, "table.requests").text
    )

    # Download an awkwardly named file by clicking its link.
    chromium.get(server.base_url + "/?refresh=0")
    link = chromium.find_element(By.LINK_TEXT, "O'Brien consent.pdf")
    assert (link.get_attribute("href") or "").startswith(server.base_url + "/__fake__/files/14?")
    link.click()
    downloaded = _wait_for_file(tmp_path / "downloads", "O'Brien consent.pdf")
    stored = next(r for r in server.state.projects[0].records if r.record == "2").files["consent_form"]
    assert downloaded.read_bytes() == stored.read_bytes()

    shot = tmp_path / "page.png"
    assert chromium.save_screenshot(str(shot))
    data = shot.read_bytes()
    width, height = _png_size(data)
    assert 800 <= width <= 4000 and 600 <= height <= 4000, (width, height)
    assert 10_000 <= len(data) <= 20_000_000, len(data)

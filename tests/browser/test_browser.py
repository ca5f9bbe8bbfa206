"""Real browser: upload two specs from the chat page, ask, read the streamed answer; hostile spec text stays inert.

Drives Debian's Chromium through Playwright against `streamlit run app/main.py` on a free loopback port.
Screenshots land in tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.app.specs import PAYLOAD, hostile_spec, twilio_frontline
from tests.browser.server import REPO, start_app

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "tests" / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SLOW_MS = 480_000  # the first answer loads the embedding model on a busy (load 15 on 2 cores) machine
QUESTION = "How do I create a pet? Also $ref & ?limit=10&offset=0"

# Anything the hostile spec could have done: run script, fire onerror, or leave a live javascript: link.
PROBE = """() => ({
  pwned: window.__pwned === 1,
  jsLinks: [...document.querySelectorAll('a[href]')]
      .filter(a => a.getAttribute('href').replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase().startsWith('javascript:'))
      .length,
  scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('__pwned')).length,
  handlers: [...document.querySelectorAll('[onerror],[onload],[onclick]')].length,
})"""


def require_chromium() -> None:
    """Skip (or, under CI, fail) when Debian's Chromium is not installed."""
    if CHROMIUM.exists():
        return
    reason = f"Chromium not found at {CHROMIUM}; install it with `apt-get install -y chromium`"
    if os.environ.get("CI"):
        pytest.fail(reason + " (.ci/run installs it)", pytrace=False)
    pytest.skip(reason)


def _browser(playwright):
    require_chromium()
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)


def _assert_inert(page, dialogs: list[str]) -> None:
    probe = page.evaluate(PROBE)
    assert dialogs == [], f"a dialog opened: {dialogs}"
    assert probe == {"pwned": False, "jsLinks": 0, "scripts": 0, "handlers": 0}, probe


@pytest.fixture
def app_server(tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = start_app(tmp_path / "data", ARTIFACTS / "streamlit.log")
    yield server
    server.stop()


def _upload(page, specs: list[str], dialogs: list[str]) -> None:
    page.get_by_test_id("stMainBlockContainer").get_by_test_id("stFileUploaderDropzoneInput").set_input_files(specs)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Indexed 2 of 2 file(s)").click(timeout=SLOW_MS)  # the finished report, collapsed
    sidebar.get_by_text("Twilio - Frontline 1.0.0: 2 operations").wait_for(timeout=SLOW_MS)
    sidebar.get_by_text("1.0.0: 2 operations, 0 schemas").wait_for(timeout=SLOW_MS)
    assert sidebar.get_by_text("Hostile Pets <script>alert(1)</script>", exact=False).count() >= 1
    page.screenshot(path=str(ARTIFACTS / "01-uploaded.png"))
    _assert_inert(page, dialogs)


def _ask(page, dialogs: list[str]):
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(QUESTION)
    box.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(1)
    answer.get_by_text("POST /pets").first.wait_for(timeout=SLOW_MS)
    answer.get_by_text("Sources (").wait_for(timeout=SLOW_MS)
    assert answer.get_by_role("tab", name="curl").count() == 1
    assert page.get_by_test_id("stChatMessage").nth(0).get_by_text("$ref & ?limit=10&offset=0").count() == 1
    answer.get_by_text("Sources (").click()
    page.wait_for_timeout(1500)  # let tables and code blocks finish drawing
    page.screenshot(path=str(ARTIFACTS / "02-answer.png"), full_page=True)
    _assert_inert(page, dialogs)
    return answer


def _feedback_and_export(page, answer) -> None:
    answer.get_by_role("radio", name="Thumbs down").click()
    comment = answer.get_by_label("Comment (optional)")
    comment.fill("Show the response body too")
    comment.press("Enter")
    page.wait_for_timeout(1500)
    with page.expect_download() as download:
        page.get_by_test_id("stDownloadButton").get_by_role("button").click()
    exported = Path(download.value.path()).read_text()
    assert "## Question" in exported and "POST /pets" in exported
    assert "not helpful: Show the response body too" in exported


def _reload(page) -> None:
    page.goto(page.url)  # a reload shows the same conversation, feedback included
    reloaded = page.get_by_test_id("stChatMessage").nth(1)
    reloaded.get_by_text("Sources (").wait_for(timeout=60_000)
    assert reloaded.get_by_role("radio", name="Thumbs down").get_attribute("aria-checked") == "true"


def _explore_hostile(page, base_url: str, dialogs: list[str]) -> None:
    page.goto(f"{base_url}/explorer")
    search = page.get_by_label("Search operations")
    search.fill("create a pet")
    search.press("Enter")
    page.get_by_text("Adds a pet to the store.").wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # let tables and code blocks finish drawing
    page.screenshot(path=str(ARTIFACTS / "03-explorer-hostile.png"), full_page=True)
    _assert_inert(page, dialogs)
    assert page.get_by_text(PAYLOAD).count() >= 1  # the hostile text is shown as text


def test_upload_ask_and_hostile_spec_stays_inert(app_server, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    specs = []
    for name, data in (twilio_frontline(), hostile_spec()):
        (tmp_path / name).write_bytes(data)
        specs.append(str(tmp_path / name))
    with sync_api.sync_playwright() as pw:
        browser = _browser(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            started = time.perf_counter()
            page.goto(app_server.url)
            page.get_by_role("heading", name="Ask your APIs").wait_for(timeout=60_000)
            print(f"first render {time.perf_counter() - started:.1f} s after the page was requested")
            _upload(page, specs, dialogs)
            answer = _ask(page, dialogs)
            _feedback_and_export(page, answer)
            _reload(page)
            _explore_hostile(page, app_server.url, dialogs)
        finally:
            page.screenshot(path=str(ARTIFACTS / "zz-last.png"))
            browser.close()

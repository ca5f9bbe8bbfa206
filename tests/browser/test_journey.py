"""The whole journey in a real Chromium on a fresh data dir, at 1440 and 390 px wide.

Upload three specs while chatting, switch pages, close and reopen the bare URL and find the conversation,
use every suggested question, try a request in mock mode. Prints first paint (cold and warm), each page
switch and the bare-URL reopen (figures only; tests never assert timings; scripts/bench/pages.py repeats
them). Screenshots land in tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.test_browser import ARGS, ARTIFACTS, CHROMIUM, SLOW_MS, app_server, require_chromium  # noqa: F401 (fixture)
from tests.browser.timing import HEADING, figure_lines, first_paint, reopen_bare_url, switch_pages, timed
from tests.conftest import shared

LOCAL = {"127.0.0.1", "localhost"}

pytestmark = [pytest.mark.browser, pytest.mark.timeout(1500)]
FIRST = "twilio_frontline_v1.json"
MORE = ["twilio_oauth_v1.json", "twilio_chat_v3.json"]
QUESTION = "How do I update a frontline user?"


def _answers(page) -> int:
    return page.get_by_test_id("stChatMessage").count()


def _ask(page, question: str) -> None:
    before = _answers(page)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    _wait_answer(page, before)


def _wait_answer(page, before: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('[data-testid=stChatMessage]').length >= {before + 2}",
                           timeout=SLOW_MS)
    page.get_by_test_id("stChatMessage").last.get_by_text("Sources (").wait_for(timeout=SLOW_MS)


def _idle(page) -> None:
    """Wait until the script finished its run (a file dropped mid-run would race the page redraw)."""
    page.wait_for_function("!document.querySelector('[data-testid=stStatusWidgetRunningIcon]')", timeout=60_000)
    page.wait_for_timeout(500)


def _upload_while_chatting(page) -> None:
    main = page.get_by_test_id("stMainBlockContainer")
    main.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(shared("specs", "twilio", FIRST)))
    page.get_by_test_id("stSidebar").get_by_text("Indexed 1 of 1 file(s)").wait_for(timeout=SLOW_MS)
    _idle(page)
    sidebar_upload = page.get_by_test_id("stSidebar").get_by_test_id("stFileUploaderDropzoneInput")
    sidebar_upload.set_input_files([str(shared("specs", "twilio", name)) for name in MORE])
    # The uploader lists a file once it reached the server; only then is it queued for indexing.
    page.get_by_test_id("stSidebar").get_by_text(MORE[-1]).first.wait_for(timeout=SLOW_MS)
    _ask(page, QUESTION)  # the chat answers while the two new specs index
    assert "/v1/Users/{Sid}" in page.get_by_test_id("stChatMessage").last.inner_text()
    page.get_by_test_id("stSidebar").get_by_text("Indexed 3 of 3 file(s)").wait_for(timeout=SLOW_MS)
    page.screenshot(path=str(ARTIFACTS / "journey-01-uploaded.png"), full_page=True)


def _no_exception(page) -> None:
    assert page.get_by_test_id("stException").count() == 0


def _use_every_suggestion(page) -> int:
    page.get_by_role("button", name=re.compile("New conversation")).click()
    page.get_by_role("heading", name=HEADING).wait_for(timeout=60_000)
    _idle(page)  # until the run ends, the old conversation's suggestions are still on the page too
    page.get_by_text("Try asking about").wait_for(timeout=60_000)
    chips = page.get_by_test_id("stMainBlockContainer").get_by_role("button").filter(has_text=re.compile(r"How do I"))
    questions = [re.sub(r"^lightbulb\s*", "", t).strip() for t in chips.all_inner_texts()]
    assert questions, "no suggested questions were offered"
    for question in questions:
        before = _answers(page)
        expander = page.get_by_test_id("stMainBlockContainer").get_by_text("Suggested questions")
        if expander.count():
            expander.first.click()
        page.get_by_test_id("stMainBlockContainer").get_by_role("button").filter(has_text=question).first.click()
        _wait_answer(page, before)
        last = page.get_by_test_id("stChatMessage").last
        assert re.search(r"\b(GET|POST|PUT|PATCH|DELETE) /", last.inner_text()), f"no endpoint for {question!r}"
    return len(questions)


def _try_mock(page) -> None:
    last = page.get_by_test_id("stChatMessage").last
    last.get_by_text(re.compile("^Try it: ")).click()
    last.get_by_role("button", name=re.compile("Send request")).click()
    last.get_by_text("mock, composed from the spec").wait_for(timeout=60_000)
    assert '"' in last.get_by_test_id("stCode").last.inner_text()  # a JSON body from the spec
    page.screenshot(path=str(ARTIFACTS / "journey-02-try-it.png"), full_page=True)


def _reopen_bare_url(context, url: str) -> tuple[object, tuple[float, float]]:
    page, painted, listed = reopen_bare_url(context, url, QUESTION)
    page.get_by_test_id("stSidebar").get_by_role("button", name=re.compile(re.escape(QUESTION))).click()
    page.get_by_test_id("stChatMessage").first.get_by_text(QUESTION).wait_for(timeout=60_000)
    return page, (painted, listed)


def _narrow(browser, context, url: str) -> None:
    phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=context.storage_state())
    page = phone.new_page()
    page.goto(url)
    page.get_by_test_id("stChatMessage").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    overflow = page.evaluate("() => document.querySelector('[data-testid=stMainBlockContainer]').scrollWidth")
    assert overflow <= 392, f"the page is {overflow} px wide on a 390 px screen"
    page.screenshot(path=str(ARTIFACTS / "journey-03-narrow.png"), full_page=True)
    page.goto(f"{url}/explorer")
    page.get_by_role("heading", name="Explorer").wait_for(timeout=60_000)
    page.get_by_role("tab", name="Try it").click()
    page.get_by_role("button", name=re.compile("Send request")).click()
    page.get_by_text("mock, composed from the spec").wait_for(timeout=60_000)
    assert page.evaluate("() => document.querySelector('[data-testid=stMainBlockContainer]').scrollWidth") <= 392
    page.screenshot(path=str(ARTIFACTS / "journey-04-narrow-explorer.png"), full_page=True)
    phone.close()


def test_whole_journey_at_desktop_and_phone_widths(app_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    require_chromium()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        outside: list[str] = []  # the app works offline: nothing it loads may come from another host
        context.on("request", lambda r: outside.append(r.url) if urlsplit(r.url).hostname not in LOCAL else None)
        page = context.new_page()
        try:
            cold = timed(lambda: page.goto(app_server.url),
                         lambda: page.get_by_role("heading", name=HEADING).wait_for(timeout=60_000))
            assert "sid=" not in page.url  # the browser is remembered by a cookie, not the URL
            _upload_while_chatting(page)
            switches = switch_pages(page, QUESTION, check=_no_exception)
            warm = first_paint(browser, app_server.url)  # a new visitor, now that the app is warm
            page.close()  # close the tab; the bare URL finds the conversation again
            page, reopen = _reopen_bare_url(context, app_server.url)
            used = _use_every_suggestion(page)
            _try_mock(page)
            _narrow(browser, context, app_server.url)
        finally:
            page.screenshot(path=str(ARTIFACTS / "journey-zz-last.png"))
            browser.close()
    print("\n" + "\n".join(figure_lines(cold, warm, switches, reopen)))
    print(f"suggested questions used: {used}")
    assert outside == []

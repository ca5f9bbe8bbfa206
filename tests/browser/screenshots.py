"""Take the documentation screenshots (docs/*.png): `python -m tests.browser.screenshots [OUT_DIR]`.

Starts the app on a temp data dir, captures the first page, uploads a few small real Twilio specs,
asks questions, leaves feedback, then captures every page at 1280x960, Try it in the Explorer, and the
chat on a 390x844 phone screen. Needs Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from PIL import Image

from tests.browser.server import REPO, start_app
from tests.browser.test_browser import ARGS, CHROMIUM
from tests.conftest import SHARED_DATA

SPECS = ["twilio_frontline_v1.json", "twilio_flex_v2.json", "twilio_oauth_v1.json", "twilio_lookups_v1.json"]
QUESTIONS = ["How do I delete a phone number?", "How do I get an OAuth access token?",
             "How do I update a frontline user?"]
MAX_BYTES = 300_000
WAIT_MS = 240_000


def shrink(path: Path) -> None:
    """Re-encode a screenshot with a 256-colour palette when it is over the size budget."""
    if path.stat().st_size <= MAX_BYTES:
        return
    Image.open(path).convert("RGB").quantize(colors=256).save(path, optimize=True)


def ask(page, question: str, index: int) -> None:
    """Type a question and wait for its answer's sources."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    page.get_by_test_id("stChatMessage").nth(index).get_by_text("Sources (").wait_for(timeout=WAIT_MS)


def open_sources(message) -> None:
    """Open an answer's Sources and wait for its table (drawn only once the expander is open)."""
    message.get_by_text("Sources (").click()
    message.get_by_test_id("stDataFrame").wait_for(timeout=60_000)


def shoot(page, out: Path, name: str) -> None:
    """Let the page settle, then save and shrink one screenshot."""
    page.wait_for_timeout(2000)
    path = out / name
    page.screenshot(path=str(path))
    shrink(path)
    print(f"{path} {path.stat().st_size // 1024} KB")


def tour(page, url: str, out: Path) -> None:
    """Drive the app through every page and capture each."""
    page.goto(url)
    page.get_by_role("heading", name="Ask your APIs").wait_for(timeout=60_000)
    shoot(page, out, "first-page.png")
    files = [str(SHARED_DATA / "specs" / "twilio" / name) for name in SPECS]
    page.get_by_test_id("stMainBlockContainer").get_by_test_id("stFileUploaderDropzoneInput").set_input_files(files)
    page.get_by_test_id("stSidebar").get_by_text(f"Indexed {len(SPECS)} of {len(SPECS)} file(s)").wait_for(
        timeout=WAIT_MS)
    for i, question in enumerate(QUESTIONS):
        ask(page, question, 2 * i + 1)
    page.get_by_role("radio", name="Thumbs down").first.click()  # the phone-number answer missed
    page.get_by_label("Comment (optional)").first.fill("Twilio numbers are not in the library yet")
    page.get_by_label("Comment (optional)").first.press("Enter")
    page.get_by_role("radio", name="Thumbs up").last.click()
    page.goto(page.url)  # reload: the conversation comes back from SQLite
    last = page.get_by_test_id("stChatMessage").last
    last.get_by_text("Sources (").wait_for(timeout=60_000)
    page.wait_for_timeout(2000)
    question = page.get_by_test_id("stChatMessage").nth(4).bounding_box()
    page.mouse.move(800, 400)
    page.mouse.wheel(0, question["y"] - 70)  # a user scroll: the chat stops sticking to the bottom
    shoot(page, out, "chat.png")
    open_sources(last)
    last.get_by_role("radio", name="Thumbs up").scroll_into_view_if_needed()
    shoot(page, out, "chat-answer.png")
    for name in ("library", "explorer", "insights", "settings"):
        extra = "?api=twilio-frontline@1.0.0" if name == "explorer" else ""
        page.goto(f"{url}/{name}{extra}")
        page.get_by_role("heading", name=name.capitalize()).wait_for(timeout=60_000)
        if name == "explorer":
            page.get_by_label("Search operations").fill("update frontline user")
            page.get_by_label("Search operations").press("Enter")
            page.get_by_text("Update an existing frontline user").first.wait_for(timeout=60_000)
        shoot(page, out, f"{name}.png")
    try_it(page, url, out)


def try_it(page, url: str, out: Path) -> None:
    """Open one operation by its deep link, send it to the built-in mock and capture the response."""
    page.goto(f"{url}/explorer?api=twilio-frontline@1.0.0&op=GET%20/v1/Users/%7BSid%7D")
    page.get_by_role("heading", name="Explorer").wait_for(timeout=60_000)
    page.get_by_role("tab", name="Try it").click()
    page.get_by_role("button", name=re.compile("Send request")).click()
    page.get_by_text("mock, composed from the spec").wait_for(timeout=WAIT_MS)
    page.get_by_text("mock, composed from the spec").scroll_into_view_if_needed()
    shoot(page, out, "try-it.png")


def phone(browser, context, url: str, out: Path) -> None:
    """Capture the chat on a 390x844 screen, with the same browser cookie (so the same conversations)."""
    small = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=context.storage_state())
    page = small.new_page()
    page.goto(url)
    page.get_by_test_id("stChatMessage").last.get_by_text("Sources (").wait_for(timeout=60_000)
    open_sources(page.get_by_test_id("stChatMessage").last)
    page.get_by_test_id("stChatMessage").last.get_by_text("Sources (").scroll_into_view_if_needed()
    shoot(page, out, "mobile.png")
    small.close()


def main(out_dir: str = "docs") -> None:
    """Start the app, take the screenshots into `out_dir`, stop the app."""
    from playwright.sync_api import sync_playwright

    out = (REPO / out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    server = start_app(tmp / "data", tmp / "streamlit.log")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 960})
            page = context.new_page()
            try:
                tour(page, server.url, out)
                phone(browser, context, server.url, out)
            finally:
                browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])

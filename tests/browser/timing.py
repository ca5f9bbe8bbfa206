"""Page timings as a user feels them in Chromium: first paint, each page switch, the bare URL reopened.

Shared by the journey test (which prints one set) and scripts/bench/pages.py (which repeats them);
figures only, nothing here asserts a time.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable

HEADING = "Ask your APIs"
# (sidebar link, heading that shows the page is there; None = the chat, shown by the open conversation)
PAGES = [("Library", "Library"), ("Explorer", "Explorer"), ("Insights", "Insights"), ("Settings", "Settings"),
         ("Chat", None)]
WAIT_MS = 60_000


def timed(action: Callable[[], object], wait: Callable[[], object]) -> float:
    """Return the seconds from starting `action` until `wait` returns."""
    started = time.perf_counter()
    action()
    wait()
    return time.perf_counter() - started


def first_paint(browser, url: str, viewport: dict | None = None) -> float:
    """Open the app in a new browser profile (no cookie: a first visit) and time its heading."""
    context = browser.new_context(viewport=viewport or {"width": 1440, "height": 900})
    try:
        page = context.new_page()
        return timed(lambda: page.goto(url), lambda: page.get_by_role("heading", name=HEADING).wait_for(timeout=WAIT_MS))
    finally:
        context.close()


def switch_pages(page, question: str, check: Callable[[object], None] | None = None) -> dict[str, float]:
    """Click through every page in the sidebar and time each until its content is shown."""
    times = {}
    for link, heading in PAGES:
        target = page.get_by_role("heading", name=heading) if heading else page.get_by_text(question).first
        times[link] = timed(lambda: page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click(),
                            lambda: target.wait_for(timeout=WAIT_MS))
        if check is not None:
            check(page)
    return times


def reopen_bare_url(context, url: str, question: str) -> tuple[object, float, float]:
    """Open the bare URL in a new tab of the same browser (a returning user, assets cached).

    Returns the tab, the seconds until the page's title heading shows and until the conversation is listed.
    """
    page = context.new_page()
    heading = page.get_by_test_id("stMainBlockContainer").get_by_role("heading", level=1)
    listed = page.get_by_test_id("stSidebar").get_by_role("button", name=re.compile(re.escape(question)))
    started = time.perf_counter()
    page.goto(url)
    heading.wait_for(timeout=WAIT_MS)
    painted = time.perf_counter() - started
    listed.wait_for(timeout=WAIT_MS)
    return page, painted, time.perf_counter() - started


def summary(figures: dict[str, list[float]]) -> list[list[str]]:
    """Return table rows: what, median, fastest, slowest, runs."""
    return [[name, f"{statistics.median(ts):.2f} s", f"{min(ts):.2f} s", f"{max(ts):.2f} s", str(len(ts))]
            for name, ts in figures.items()]


def figure_lines(cold: float, warm: float, switches: dict[str, float], reopen: tuple[float, float]) -> list[str]:
    """Return the journey's figures as lines a reader can take in at a glance (`reopen`: heading, listed)."""
    return [f"first paint, cold app (first visit after start): {cold:.2f} s",
            f"first paint, warm app (new browser profile):     {warm:.2f} s",
            "page switches: " + ", ".join(f"{name} {t:.2f} s" for name, t in switches.items()),
            f"bare URL reopened, heading shown:                {reopen[0]:.2f} s",
            f"bare URL reopened, conversation listed:          {reopen[1]:.2f} s"]

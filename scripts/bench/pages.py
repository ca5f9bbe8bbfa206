"""Page speed in a real Chromium: first paint of a warm app, each page switch, the bare URL reopened.

    .venv/bin/python scripts/bench/pages.py [--runs 5] [--repo PATH ...]

Starts `streamlit run app/main.py` on a fresh data dir, uploads three Twilio specs and asks one question
through the page (as the journey test does), then repeats, `--runs` times: every page switch from the
sidebar, the bare URL reopened in a new tab (until the conversation is listed), and a first visit from
a new browser profile (until the heading shows). Prints median, fastest and slowest of each.

Each `--repo` is another checkout of this project (e.g. an older commit exported with `git archive`);
all of them are set up first and then measured in turns, so a change in machine load hits each alike.
Needs Chromium at /usr/bin/chromium and the playwright package.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, SHARED, print_table, write_json  # noqa: E402

from tests.browser.server import start_app  # noqa: E402
from tests.browser.test_browser import ARGS, CHROMIUM  # noqa: E402
from tests.browser.timing import HEADING, PAGES, first_paint, reopen_bare_url, summary, switch_pages  # noqa: E402

SPECS = ["twilio_frontline_v1.json", "twilio_oauth_v1.json", "twilio_chat_v3.json"]
QUESTION = "How do I update a frontline user?"
SETUP_MS = 600_000  # indexing loads the embedding model first


def prepare(browser, url: str):
    """Upload the specs and ask the question in one browser profile; return it (its cookie names the owner)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.get_by_role("heading", name=HEADING).wait_for(timeout=SETUP_MS)
    upload = page.get_by_test_id("stMainBlockContainer").get_by_test_id("stFileUploaderDropzoneInput")
    upload.set_input_files([str(SHARED / "specs" / "twilio" / name) for name in SPECS])
    page.get_by_test_id("stSidebar").get_by_text(f"Indexed {len(SPECS)} of {len(SPECS)} file(s)").wait_for(
        timeout=SETUP_MS)
    page.wait_for_function("!document.querySelector('[data-testid=stStatusWidgetRunningIcon]')", timeout=SETUP_MS)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(QUESTION)
    box.press("Enter")
    page.get_by_test_id("stChatMessage").last.get_by_text("Sources (").wait_for(timeout=SETUP_MS)
    return context, page


def one_round(browser, url: str, context, page, figures: dict[str, list[float]]) -> None:
    """Measure every page switch, the bare-URL reopen and a first visit once, adding to `figures`."""
    for name, took in switch_pages(page, QUESTION).items():
        figures.setdefault(f"switch to {name}", []).append(took)
    tab, took = reopen_bare_url(context, url, QUESTION)
    figures.setdefault("bare URL reopened", []).append(took)
    tab.close()
    figures.setdefault("first paint, warm app", []).append(first_paint(browser, url))


def main() -> None:
    """Set up each checkout's app, measure them in turns and print one table per checkout."""
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5, help="measured rounds per checkout (after one warm-up round)")
    ap.add_argument("--repo", type=Path, action="append", help="checkout to measure (default: this one); repeatable")
    args = ap.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"Chromium not found at {CHROMIUM}; install it with `apt-get install -y chromium`.")
    repos = [r.resolve() for r in args.repo or [REPO]]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        servers, setups, figures = [], [], {}
        try:
            for n, repo in enumerate(repos):
                server = start_app(Path(tmp) / f"data{n}", Path(tmp) / f"streamlit{n}.log", repo=repo)
                servers.append(server)
                setups.append(prepare(browser, server.url))
                figures[repo] = {"first paint, warm app": [], "bare URL reopened": [],
                                 **{f"switch to {name}": [] for name, _ in PAGES}}
            for run in range(args.runs + 1):
                for repo, server, (context, page) in zip(repos, servers, setups):
                    measured = figures[repo] if run else {}  # the first round warms every page and module
                    one_round(browser, server.url, context, page, measured)
        finally:
            browser.close()
            for server in servers:
                server.stop()
    results = {}
    for repo in repos:
        print(f"\n{repo} ({args.runs} runs)")
        print_table(["measure", "median", "fastest", "slowest", "runs"], summary(figures[repo]))
        results[str(repo)] = figures[repo]
    print(f"wrote {write_json('pages.json', results)}")


if __name__ == "__main__":
    main()

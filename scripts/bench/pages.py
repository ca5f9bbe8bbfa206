"""Page speed in a real Chromium: first paint of a warm app, each page switch, the bare URL reopened.

    .venv/bin/python scripts/bench/pages.py [--runs 5] [--repo PATH ...]

Starts `streamlit run app/main.py` on a fresh data dir, uploads three Twilio specs and asks one question
through the page (as the journey test does), then repeats, `--runs` times: every page switch from the
sidebar, the bare URL reopened in a new tab of the same browser (a returning user with cached assets: until
the page's heading shows and until the conversation is listed), and a first visit from a new browser
profile (until the heading shows). Prints median, fastest and slowest of each.

The same first visit is also timed against a one-line Streamlit page that only shows the heading: the
yardstick for what Streamlit's own start in a browser with an empty cache costs on this machine.

Each `--repo` is another checkout of this project (e.g. an older commit exported with `git archive`);
all of them are set up first and then measured in turns, so a change in machine load hits each alike.
Needs Chromium at /usr/bin/chromium and the playwright package.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, SHARED, print_table, write_json  # noqa: E402

from tests.browser.server import STREAMLIT, free_port, start_app  # noqa: E402
from tests.serving import wait_until_healthy  # noqa: E402
from tests.browser.test_browser import ARGS, CHROMIUM  # noqa: E402
from tests.browser.timing import HEADING, PAGES, first_paint, reopen_bare_url, summary, switch_pages  # noqa: E402

SPECS = ["twilio_frontline_v1.json", "twilio_oauth_v1.json", "twilio_chat_v3.json"]
QUESTION = "How do I update a frontline user?"
SETUP_MS = 600_000  # indexing loads the embedding model first
FLOOR = "first paint, bare Streamlit page"


def start_floor(tmp: Path) -> tuple[subprocess.Popen, str]:
    """Start a Streamlit page that shows only the app's heading; return the process and its URL."""
    script = tmp / "floor.py"
    script.write_text(f"import streamlit as st\n\nst.title({HEADING!r})\n")
    port = free_port()
    log = tmp / "floor.log"
    process = subprocess.Popen([str(STREAMLIT), "run", str(script), "--server.port", str(port), "--server.address",
                                "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                               cwd=tmp, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    if not wait_until_healthy(process, f"{url}/_stcore/health", log, 60):
        process.terminate()
        sys.exit(f"The yardstick page did not start; see {log}.")
    return process, url


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
    tab, painted, listed = reopen_bare_url(context, url, QUESTION)
    figures.setdefault("bare URL reopened, heading shown", []).append(painted)
    figures.setdefault("bare URL reopened, conversation listed", []).append(listed)
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
    figures: dict = {FLOOR: []}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        floor, floor_url = start_floor(Path(tmp))
        servers, setups = [], []
        try:
            for n, repo in enumerate(repos):
                server = start_app(Path(tmp) / f"data{n}", Path(tmp) / f"streamlit{n}.log", repo=repo)
                servers.append(server)
                setups.append(prepare(browser, server.url))
                figures[repo] = {"first paint, warm app": [], "bare URL reopened, heading shown": [],
                                 "bare URL reopened, conversation listed": [],
                                 **{f"switch to {name}": [] for name, _ in PAGES}}
            for run in range(args.runs + 1):  # the first round warms every page and module
                for repo, server, (context, page) in zip(repos, servers, setups):
                    one_round(browser, server.url, context, page, figures[repo] if run else {})
                took = first_paint(browser, floor_url)
                if run:
                    figures[FLOOR].append(took)
        finally:
            browser.close()
            for server in servers:
                server.stop()
            floor.terminate()
            floor.wait(timeout=15)
    print(f"\nyardstick ({args.runs} runs)")
    print_table(["measure", "median", "fastest", "slowest", "runs"], summary({FLOOR: figures[FLOOR]}))
    for repo in repos:
        print(f"\n{repo} ({args.runs} runs)")
        print_table(["measure", "median", "fastest", "slowest", "runs"], summary(figures[repo]))
    print(f"wrote {write_json('pages.json', {str(k): v for k, v in figures.items()})}")


if __name__ == "__main__":
    main()

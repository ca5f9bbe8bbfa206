"""Plan quality on the userstyle development set: coverage and precision of multi-step plans, one-step plans
for one-call questions, follow-up dialogues resolved, request bodies that validate.

The seven userstyle specs are indexed once into a cached data dir (embedding ~3,200 operations takes
minutes on a small machine) and reused on later runs; each question is asked scoped to its own spec.

    .venv/bin/python scripts/bench/plans.py [--data-dir DIR] [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, print_table  # noqa: E402

from src.core.config import Settings  # noqa: E402
from src.rag.query import normalize_path  # noqa: E402
from src.rag.retrieval import SearchFilters  # noqa: E402
from src.rag.service import Assistant  # noqa: E402

QUESTIONS = SHARED / "devset" / "userstyle" / "questions.json"
DIALOGUES = Path(__file__).resolve().parents[2] / "tests" / "data" / "followups.json"
DEFAULT_DATA = Path.home() / ".cache" / "apiassist" / "userstyle"
DO_ROOT = "specification/DigitalOcean-public.v2.yaml"


def norm(key: str) -> str:
    """Return the comparison key of an endpoint (path parameter names ignored)."""
    method, _, path = key.partition(" ")
    return f"{method.upper()} {normalize_path(path)}"


def covered(plan: Sequence[str], gold: Sequence[str], also_ok: Sequence[str]) -> bool:
    """Tell whether every gold step (or an also_ok stand-in) appears in the plan, in gold order."""
    spare = {norm(k) for k in also_ok}
    want = [norm(k) for k in gold]
    j = 0
    for key in map(norm, plan):
        if j < len(want) and (key == want[j] or key in spare):
            j += 1
    return j == len(want)


def spec_apis(assistant: Assistant) -> dict[str, str]:
    """Map each indexed source file name to its API id."""
    return {info.source: info.api for info in assistant.list_apis()}


def ensure_indexed(assistant: Assistant, questions: list[dict]) -> None:
    """Index every spec the questions name that the cached library does not hold yet."""
    have = spec_apis(assistant)
    for spec in sorted({q["spec"] for q in questions}):
        path = SHARED / spec
        if path.name not in have:
            report = assistant.index_path(path, root=DO_ROOT if path.name.endswith(".tar.gz") else None)
            print(f"indexed {path.name}: {report.error or report.api}", file=sys.stderr)


def plan_keys(assistant: Assistant, question: str, api: str) -> list[str]:
    """Ask one question scoped to its API and return the plan's endpoints."""
    answer = assistant.ask(question, filters=SearchFilters(apis=(api,)))
    return [f"{s.method} {s.path}" for s in answer.plan]


def plan_figures(assistant: Assistant, questions: list[dict], show: bool = False) -> dict:
    """Return plan coverage and precision (kind steps) and the one-step share (kind single)."""
    apis = spec_apis(assistant)
    covered_n = steps_n = good_steps = plan_steps = single_ok = singles = 0
    for q in questions:
        api = apis.get(Path(q["spec"]).name)
        if api is None:
            continue
        keys = plan_keys(assistant, q["question"], api)
        if q["kind"] == "steps":
            steps_n += 1
            hit = covered(keys, q["gold"], q.get("also_ok", []))
            covered_n += hit
            allowed = {norm(k) for k in q["gold"] + q.get("also_ok", [])}
            good_steps += sum(norm(k) in allowed for k in keys)
            plan_steps += len(keys)
            if show:
                print(f"{'OK ' if hit else 'MISS'} {q['id']}: {keys}  gold={q['gold']}", file=sys.stderr)
        else:
            singles += 1
            single_ok += len(keys) == 1
            if show and len(keys) != 1:
                print(f"PAD {q['id']}: {keys}", file=sys.stderr)
    return {"steps_questions": steps_n, "plan_coverage": covered_n / max(steps_n, 1),
            "plan_precision": good_steps / max(plan_steps, 1), "single_questions": singles,
            "single_one_step": single_ok / max(singles, 1), "plan_steps": plan_steps}


def followup_figures(assistant: Assistant, dialogues: list[dict], show: bool = False) -> dict:
    """Return the share of two-turn dialogues whose follow-up is answered with the expected operation."""
    apis = spec_apis(assistant)
    resolved = asked = 0
    for d in dialogues:
        api = apis.get(Path(d["spec"]).name)
        if api is None:
            continue
        first, second = d["turns"]
        scope = SearchFilters(apis=(api,))
        answer = assistant.ask(first, filters=scope)
        follow = assistant.ask(second, filters=scope, history=[("user", first), ("assistant", answer.text)])
        keys = [f"{s.method} {s.path}" for s in follow.plan]
        asked += 1
        hit = bool(keys) and norm(keys[0]) in {norm(k) for k in d["expect"]}
        resolved += hit
        if show and not hit:
            print(f"FOLLOW-UP MISS {d['id']}: {second!r} -> {keys}  expected {d['expect']}", file=sys.stderr)
    return {"followup_dialogues": asked, "followups_resolved": resolved / max(asked, 1)}


def main() -> None:
    """Index (once), run the questions and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA, help="cached library of the userstyle specs")
    parser.add_argument("--show", action="store_true", help="print each multi-step question's plan to stderr")
    parser.add_argument("--kind", choices=("steps", "single", "followups"), help="only this part of the benchmark")
    args = parser.parse_args()
    assistant = Assistant(Settings(data_dir=args.data_dir))
    questions = [q for q in json.loads(QUESTIONS.read_text()) if not args.kind or q["kind"] == args.kind]
    ensure_indexed(assistant, questions)
    started = time.perf_counter()
    figures = plan_figures(assistant, questions, args.show) if args.kind != "followups" else {}
    if args.kind in (None, "followups"):
        figures |= followup_figures(assistant, json.loads(DIALOGUES.read_text()), args.show)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print_table(["measure", "value"], [[k, f"{v:.3f}" if isinstance(v, float) else v] for k, v in figures.items()])


if __name__ == "__main__":
    main()

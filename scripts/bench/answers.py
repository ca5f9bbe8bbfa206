"""Answer quality a user feels: is the answer's first endpoint right? Per dev set and per spec.

For every question, ask the assistant (offline composer) and search, then score:
- answer@1: the answer's first endpoint is gold or also_ok (single-endpoint questions; "nothing fits" is wrong)
- search@1, Recall@5, MRR@10 of the search ranking (gold ∪ also_ok relevant)
- nothing: the share of answers that say no endpoint fits
beside a plain dense (MiniLM over our digests) and a plain BM25 ranking of the same questions.

The user-style set is scored two ways: the team library (all seven APIs in one index, question unscoped)
and scoped to the question's own API. The ranker is cross-validated: each spec (user-style) or round
(SOCBench-D) is scored by a model trained without it. The out-of-scope questions in out_of_scope.json
report how often the answer says nothing fits, and how often an in-scope question is wrongly refused.

Plans (user-style, scoped to the question's API, cross-validated like the rest): coverage and precision of
the multi-step plans, one-step plans for one-call questions, and the scripted follow-up dialogues.

    .venv/bin/python scripts/bench/answers.py [--sets userstyle,socbench,plans] [--socbench-rounds 1,2] [--no-cv]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, print_table, write_json  # noqa: E402
from library import parse_rounds, socbench_domains, socbench_library, userstyle_library, userstyle_questions  # noqa: E402
from scoring import answer_row, baseline_rows, endpoint  # noqa: E402

from src.rag.retrieval import SearchFilters  # noqa: E402

OUT_OF_SCOPE = Path(__file__).with_name("out_of_scope.json")
RANKERS = ("ours", "dense", "bm25")


def userstyle_group(q: dict) -> str:
    """Return the spec a user-style question belongs to (all Twilio files are one API)."""
    return q["id"].split("-", 1)[0]


def gold_of(q: dict) -> tuple[set[str], set[str]]:
    """Return (gold, gold ∪ also_ok) endpoint keys of a user-style question."""
    gold = {endpoint(*g.split(" ", 1)) for g in q["gold"]}
    return gold, gold | {endpoint(*g.split(" ", 1)) for g in q.get("also_ok", [])}


def mean(rows: list[dict], key: str) -> float | str:
    """Average one metric over the rows that have it."""
    vals = [r[key] for r in rows if key in r]
    return round(statistics.mean(vals), 3) if vals else "-"


def run_userstyle(folds, scoped: bool) -> dict[str, dict[str, list[dict]]]:
    """Score every user-style question; returns ranker -> spec -> per-question rows."""
    assistant, apis = userstyle_library()
    out: dict[str, dict[str, list[dict]]] = {r: {} for r in RANKERS}
    for q in userstyle_questions():
        group = userstyle_group(q)
        folds.use(assistant, group)
        filters = SearchFilters(apis=(apis[str(SHARED / q["spec"])],)) if scoped else SearchFilters()
        gold, relevant = gold_of(q)
        single = q["kind"] == "single"
        out["ours"].setdefault(group, []).append(answer_row(assistant, q["question"], relevant, filters, single))
        for name, row in baseline_rows(assistant, q["question"], relevant, filters, single).items():
            out[name].setdefault(group, []).append(row)
    return out


def run_plans(folds) -> dict:
    """Score the plans per held-out spec and pool the counts; the follow-ups use the shipped ranker."""
    from plans import DIALOGUES, followup_figures, plan_figures

    assistant, _ = userstyle_library()
    by_group: dict[str, list[dict]] = {}
    for q in userstyle_questions():
        by_group.setdefault(userstyle_group(q), []).append(q)
    total = {"steps_questions": 0, "covered": 0.0, "good": 0.0, "plan_steps": 0, "single_questions": 0, "one": 0.0}
    for group, questions in by_group.items():
        folds.use(assistant, group)
        f = plan_figures(assistant, questions)
        total["steps_questions"] += f["steps_questions"]
        total["covered"] += f["plan_coverage"] * f["steps_questions"]
        total["good"] += f["plan_precision"] * f["plan_steps"]
        total["plan_steps"] += f["plan_steps"]
        total["single_questions"] += f["single_questions"]
        total["one"] += f["single_one_step"] * f["single_questions"]
    folds.use(assistant, None)
    follow = followup_figures(assistant, json.loads(DIALOGUES.read_text()))
    return {"plan coverage": round(total["covered"] / max(total["steps_questions"], 1), 3),
            "plan precision": round(total["good"] / max(total["plan_steps"], 1), 3),
            "one-step plans for one-call questions": round(total["one"] / max(total["single_questions"], 1), 3),
            **{k: v for k, v in follow.items()}}


def run_socbench(folds, rounds: tuple[int, ...]) -> dict[str, dict[str, list[dict]]]:
    """Score every SOCBench-D query in its own domain library; returns ranker -> round -> rows."""
    out: dict[str, dict[str, list[dict]]] = {r: {} for r in RANKERS}
    for domain in socbench_domains(rounds):
        assistant, _ = socbench_library(domain)
        group = domain.parent.name
        folds.use(assistant, group)
        for q in json.loads((domain / "queries.json").read_text())["queries"]:
            gold = {endpoint(*e.split(" ", 1)) for e in q["endpoints"]}
            out["ours"].setdefault(group, []).append(answer_row(assistant, q["query"], gold, SearchFilters(), False))
            for name, row in baseline_rows(assistant, q["query"], gold, SearchFilters(), False).items():
                out[name].setdefault(group, []).append(row)
    return out


def run_out_of_scope(folds) -> list[dict]:
    """Ask the team library each out-of-scope question; rows carry whether the answer said nothing fits."""
    assistant, _ = userstyle_library()
    folds.use(assistant, None)
    questions = json.loads(OUT_OF_SCOPE.read_text())["questions"]
    return [answer_row(assistant, q, set(), SearchFilters(), True) for q in questions]


def table(title: str, results: dict[str, dict[str, list[dict]]]) -> dict:
    """Print one dev set's per-spec table and return its summary."""
    print(f"\n== {title}")
    rows, summary = [], {}
    groups = list(results["ours"])
    for group in [*groups, "ALL"]:
        for ranker in RANKERS:
            got = [r for g in groups for r in results[ranker][g]] if group == "ALL" else results[ranker][group]
            single = [r for r in got if r["single"]]
            scored = single or got
            m = {"n": len(scored), "answer@1": mean(scored, "answer@1"), "search@1": mean(scored, "search@1"),
                 "R@5": mean(scored, "R@5"), "MRR@10": mean(scored, "MRR@10"), "nothing": mean(got, "nothing"),
                 "steps R@5": mean([r for r in got if not r["single"]], "R@5")}
            summary.setdefault(group, {})[ranker] = m
            rows.append([group, ranker, *m.values()])
    print_table(["spec", "ranker", "n", "answer@1", "search@1", "R@5", "MRR@10", "nothing", "steps R@5"], rows)
    return summary


def main() -> None:
    """Run the benchmark and print every table."""
    from folds import CrossValidatedRanker

    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="userstyle,socbench,plans")
    ap.add_argument("--no-cv", action="store_true", help="use the shipped ranker for every spec")
    ap.add_argument("--socbench-rounds", default="", help="comma-separated SOCBench-D rounds (default: all)")
    args = ap.parse_args()
    rounds = parse_rounds(args.socbench_rounds)
    folds = CrossValidatedRanker(enabled=not args.no_cv, rounds=rounds)
    started = time.perf_counter()
    report: dict = {}
    wanted = set(args.sets.split(","))
    if "userstyle" in wanted:
        team = run_userstyle(folds, scoped=False)
        report["userstyle team library"] = table("user-style, team library (unscoped)", team)
        report["userstyle scoped"] = table("user-style, scoped to the question's API", run_userstyle(folds, scoped=True))
        oos = run_out_of_scope(folds)
        in_scope = [r for g in team["ours"].values() for r in g]
        report["out of scope"] = {"questions": len(oos), "nothing fits": mean(oos, "nothing"),
                                  "in-scope wrongly refused": mean(in_scope, "nothing")}
        print(f"\nout of scope ({len(oos)} questions): nothing fits {report['out of scope']['nothing fits']}; "
              f"in-scope questions wrongly refused {report['out of scope']['in-scope wrongly refused']}")
    if "socbench" in wanted:
        report["socbench_d"] = table("SOCBench-D (each domain its own library)", run_socbench(folds, rounds))
    if "plans" in wanted:
        report["plans"] = run_plans(folds)
        print("\nplans (user-style, scoped, cross-validated)")
        print_table(["measure", "value"], [[k, v] for k, v in report["plans"].items()])
    print(f"\n{time.perf_counter() - started:.0f}s")
    print(f"wrote {write_json('answers.json', report)}")


if __name__ == "__main__":
    main()

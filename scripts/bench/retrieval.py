"""Retrieval quality on the SOCBench-D development set: our hybrid ranking vs plain dense and plain BM25.

For each domain folder: index its 5 specs together in a fresh data dir, run its queries, and compare the
top operations with the gold ``METHOD /path`` list (path parameter names ignored).

    .venv/bin/python scripts/bench/retrieval.py [--rounds 1,2] [--domains 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, print_table, write_json  # noqa: E402

from src.core.config import Settings  # noqa: E402
from src.rag.query import normalize_path  # noqa: E402
from src.rag.retrieval import SearchFilters  # noqa: E402
from src.rag.service import Assistant  # noqa: E402
from src.rag.types import ChunkKind  # noqa: E402

OPS = SearchFilters(kinds=(ChunkKind.OPERATION,))


def endpoint(method: str, path: str) -> str:
    """Return the comparison key of an endpoint."""
    return f"{method.upper()} {normalize_path(path)}"


def metrics(ranked: list[str], gold: set[str]) -> dict[str, float]:
    """Return recall@5, recall@10, complete@5 and reciprocal rank@10 of one query."""
    top5, top10 = set(ranked[:5]), set(ranked[:10])
    rr = next((1.0 / (i + 1) for i, e in enumerate(ranked[:10]) if e in gold), 0.0)
    return {"R@5": len(gold & top5) / len(gold), "R@10": len(gold & top10) / len(gold),
            "complete@5": float(gold <= top5), "MRR@10": rr}


def dedupe(keys: list[str]) -> list[str]:
    """Keep the first occurrence of each endpoint (two specs may share a path)."""
    seen: set[str] = set()
    return [k for k in keys if not (k in seen or seen.add(k))]


def rank_all(assistant: Assistant, query: str) -> dict[str, list[str]]:
    """Return the ranked endpoints of each ranker for one query."""
    hybrid = assistant.search(query, top_k=10, filters=OPS)
    qvec = assistant.embedder.embed_query(query)
    index = assistant.search_index.get(assistant.library.version())
    mask = np.array([m.get("kind") == "operation" for m in index.metas], dtype=bool)
    dense = index.dense_top(qvec, 10, mask)
    bm25 = index.top(query, 10, mask)
    return {
        "hybrid": dedupe([endpoint(h.method, h.path) for h in hybrid]),
        "dense": dedupe([endpoint(index.metas[p]["method"], index.metas[p]["path"]) for p, _ in dense]),
        "bm25": dedupe([endpoint(index.metas[p]["method"], index.metas[p]["path"]) for p, _ in bm25]),
    }


def run_domain(folder: Path) -> dict[str, list[dict[str, float]]]:
    """Index one domain's specs in a fresh data dir and score every query."""
    scores: dict[str, list[dict[str, float]]] = {"hybrid": [], "dense": [], "bm25": []}
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant(Settings(data_dir=Path(tmp), log_level="WARNING"))
        for spec in sorted(folder.glob("*/openapi.json")):
            report = assistant.index_path(spec)
            if not report.ok:
                print(f"  index failed: {report.error}", file=sys.stderr)
        queries = json.loads((folder / "queries.json").read_text())["queries"]
        for q in queries:
            gold = {endpoint(*e.split(" ", 1)) for e in q["endpoints"]}
            for name, ranked in rank_all(assistant, q["query"]).items():
                scores[name].append(metrics(ranked, gold))
    return scores


def summarise(rows: list[dict[str, float]]) -> dict[str, float]:
    """Average each metric."""
    return {k: round(statistics.mean(r[k] for r in rows), 3) for k in rows[0]} if rows else {}


def main() -> None:
    """Run the benchmark and print per-round and overall tables."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", default="", help="comma-separated round numbers (default: all)")
    ap.add_argument("--domains", type=int, default=0, help="only the first N domains of each round")
    args = ap.parse_args()
    devset = SHARED / "devset" / "socbench_d"
    rounds = sorted(p for p in devset.iterdir() if p.is_dir())
    if args.rounds:
        wanted = {int(r) for r in args.rounds.split(",")}
        rounds = [r for r in rounds if int(r.name.rsplit("_", 1)[-1]) in wanted]
    started = time.perf_counter()
    per_round: dict[str, dict[str, dict[str, float]]] = {}
    overall: dict[str, list[dict[str, float]]] = {"hybrid": [], "dense": [], "bm25": []}
    for rnd in rounds:
        collected: dict[str, list[dict[str, float]]] = {"hybrid": [], "dense": [], "bm25": []}
        domains = sorted(p for p in rnd.iterdir() if p.is_dir())
        for folder in domains[: args.domains or None]:
            for name, rows in run_domain(folder).items():
                collected[name] += rows
        per_round[rnd.name] = {name: summarise(rows) for name, rows in collected.items()}
        for name in overall:
            overall[name] += collected[name]
        print(f"{rnd.name}: hybrid {per_round[rnd.name]['hybrid']}", flush=True)
    table = []
    for rnd, by_ranker in per_round.items():
        for name, m in by_ranker.items():
            table.append([rnd, name, m["R@5"], m["R@10"], m["complete@5"], m["MRR@10"]])
    totals = {name: summarise(rows) for name, rows in overall.items()}
    for name, m in totals.items():
        table.append(["overall", name, m["R@5"], m["R@10"], m["complete@5"], m["MRR@10"]])
    print_table(["round", "ranker", "R@5", "R@10", "complete@5", "MRR@10"], table)
    queries = len(overall["hybrid"])
    print(f"{queries} queries in {time.perf_counter() - started:.0f}s")
    path = write_json("retrieval.json", {"queries": queries, "per_round": per_round, "overall": totals})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

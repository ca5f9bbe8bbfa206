"""Ingestion and query speed, each against the bare embedding model measured in the same run.

    .venv/bin/python scripts/bench/speed.py [--quick]

1. Ingest kubernetes_swagger.json into a fresh data dir (model already loaded): wall time, chunks/s, and
   the bare model encoding the same texts, as a ratio. Then re-index the unchanged spec in a new process
   state (model not loaded).
2. Build a library of >= 10,000 chunks (Kubernetes, Stripe, Twilio, DigitalOcean, OpenAI, Discord, GitHub
   GraphQL) and measure warm search latency p50/p95 against the bare model's single-query encode time.
3. Semantic answer-cache hit latency; peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, print_table, write_json  # noqa: E402

from src.core.config import Settings  # noqa: E402
from src.rag import embedding  # noqa: E402
from src.rag.chunking import chunk_spec  # noqa: E402
from src.rag.parsing import parse_path  # noqa: E402
from src.rag.service import Assistant  # noqa: E402

QUERIES = [
    "How do I refund a charge?", "list pods in a namespace", "create a customer", "send an SMS message",
    "delete a droplet", "create a chat completion", "get the messages of a channel", "read the logs of a pod",
    "cancel a subscription", "attach a payment method to a customer", "list all invoices", "scale a deployment",
    "create a kubernetes cluster", "upload a file", "create a webhook", "list repositories of a user",
    "update a DNS record", "get account balance", "create a phone call", "ban a member from a guild",
]


def timed(fn, *args, **kwargs):
    """Return (result, seconds)."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def bench_ingest(model) -> dict:
    """Ingest Kubernetes into a fresh library and compare with the bare model on the same texts."""
    spec_path = SHARED / "specs" / "kubernetes_swagger.json"
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), log_level="WARNING")
        assistant = Assistant(settings)
        assistant.embedder._model = model  # loaded once for the whole run: we time ingestion, not loading
        spec, parse_s = timed(parse_path, spec_path, settings=settings)
        chunks, chunk_s = timed(chunk_spec, spec)
        texts = [c.embed_text for c in chunks]
        encode = lambda: model.encode(texts, batch_size=settings.embedding_batch_size, normalize_embeddings=True)  # noqa: E731
        _, bare_before = timed(encode)
        report, wall = timed(assistant.index_path, spec_path)
        assert report.ok, report.error
        _, bare_after = timed(encode)
        bare = (bare_before + bare_after) / 2  # bracketing the ingest evens out drift in machine load
        again = Assistant(settings)
        embedding._MODELS.clear()
        reindex, reindex_s = timed(again.index_path, spec_path)
        embedding._MODELS[settings.model_path] = model
        return {"chunks": report.chunks, "ingest_s": round(wall, 2), "chunks_per_s": round(report.chunks / wall, 1),
                "bare_model_s": round(bare, 2), "ingest_over_bare": round(wall / bare, 3),
                "parse_s": round(parse_s, 2), "chunk_s": round(chunk_s, 2),
                "reindex_unchanged_s": round(reindex_s, 3), "reindex_loaded_model": again.embedder.loaded,
                "reindex_unchanged": reindex.unchanged}


LIBRARY = ["specs/kubernetes_swagger.json", "specs/stripe_spec3_2022-04.json", "specs/twilio",
           "specs/digitalocean_specification.tar.gz", "specs/openai_openapi.yaml", "specs/discord_openapi.json",
           "graphql/github_schema.graphql"]


def build_library(assistant: Assistant, quick: bool) -> float:
    """Index the large library; returns seconds."""
    start = time.perf_counter()
    for rel in LIBRARY[:2] if quick else LIBRARY:
        path = SHARED / rel
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        for f in files:
            root = "specification/DigitalOcean-public.v2.yaml" if f.name.endswith(".tar.gz") else None
            r = assistant.index_path(f, root=root)
            if not r.ok:
                print(f"  skipped {f.name}: {r.error}", file=sys.stderr)
    return time.perf_counter() - start


NEAR = ["how do i refund a charge", "How can I refund a charge?", "how to refund a charge", "How do I refund charges?",
        "how do I refund a charge please"]


def bench_queries(assistant: Assistant, model) -> dict:
    """Warm search latency vs the bare model's single-query encode, and answer-cache hit latency."""
    for q in QUERIES:  # warm-up: BM25 index loaded, code paths hot
        assistant.search(q)
    encode = [timed(model.encode, [f"{q} {n}"], normalize_embeddings=True)[1] for n in range(3) for q in QUERIES]
    search = []
    for suffix in ("", " now", " quickly"):
        assistant.embedder.cache._cache.clear()  # every timed search embeds its query for real
        for q in QUERIES:
            search.append(timed(assistant.search, q + suffix)[1])
    assistant.ask("How do I refund a charge?")
    hits = [timed(assistant.ask, "How do I refund a charge?")[1] for _ in range(20)]
    near = [timed(assistant.ask, q)[1] for q in NEAR]  # new wording: embedded, then found in the cache
    p = lambda xs, q: statistics.quantiles(xs, n=100)[q - 1] * 1000  # noqa: E731
    enc_p50 = statistics.median(encode) * 1000
    return {"chunks": assistant.store.count(), "encode_p50_ms": round(enc_p50, 2),
            "encode_p95_ms": round(p(encode, 95), 2),
            "search_p50_ms": round(p(search, 50), 2), "search_p95_ms": round(p(search, 95), 2),
            "p50_over_encode": round(p(search, 50) / enc_p50, 2), "p95_over_encode": round(p(search, 95) / enc_p50, 2),
            "cache_hit_p50_ms": round(statistics.median(hits) * 1000, 2),
            "cache_near_hit_p50_ms": round(statistics.median(near) * 1000, 2),
            "answer_cache": assistant.answer_cache.stats.as_dict()}


def main() -> None:
    """Run all speed benchmarks and print a table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small library (Kubernetes + Stripe) instead of >= 10k chunks")
    ap.add_argument("--data-dir", type=Path, default=None, help="reuse a library built by an earlier run")
    args = ap.parse_args()
    settings = Settings(log_level="WARNING")
    model, load_s = timed(embedding.SentenceTransformerEmbedder(settings.model_path).load)
    ingest = bench_ingest(model)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        assistant = Assistant(Settings(data_dir=data_dir, log_level="WARNING"))
        library_s = build_library(assistant, args.quick) if assistant.store.count() == 0 else 0.0
        queries = bench_queries(assistant, model)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ["model load", f"{load_s:.1f} s", ""],
        ["ingest kubernetes", f"{ingest['ingest_s']} s", f"{ingest['chunks']} chunks, {ingest['chunks_per_s']} chunks/s"],
        ["bare model, same texts", f"{ingest['bare_model_s']} s", f"ingest/bare = {ingest['ingest_over_bare']}"],
        ["re-index unchanged", f"{ingest['reindex_unchanged_s']} s", f"model loaded: {ingest['reindex_loaded_model']}"],
        ["library build", f"{library_s:.0f} s", f"{queries['chunks']} chunks"],
        ["bare single-query encode p50", f"{queries['encode_p50_ms']} ms", f"p95 {queries['encode_p95_ms']} ms"],
        ["search p50", f"{queries['search_p50_ms']} ms", f"{queries['p50_over_encode']}x encode"],
        ["search p95", f"{queries['search_p95_ms']} ms", f"{queries['p95_over_encode']}x encode"],
        ["answer cache hit p50 (same text)", f"{queries['cache_hit_p50_ms']} ms", ""],
        ["answer cache hit p50 (near text)", f"{queries['cache_near_hit_p50_ms']} ms", ""],
        ["peak RSS", f"{rss_mb:.0f} MB", ""],
    ]
    print_table(["measure", "value", "note"], rows)
    path = write_json("speed.json", {"model_load_s": round(load_s, 2), "ingest": ingest, "queries": queries,
                                     "library_build_s": round(library_s, 1), "peak_rss_mb": round(rss_mb)})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

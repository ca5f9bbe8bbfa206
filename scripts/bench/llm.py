"""Benchmark the real llama.cpp server (SmolLM2-135M on CPU) against the offline composer, in one run.

Starts the server itself (llama-cpp-python, ``--n_threads 1``), indexes a few Twilio specs into a
temp dir and asks questions built from their operations. Prints, per question: prompt tokens (the
server's tokenizer), time to first token, tokens/s, total time, and the offline composer's time on
the same retrieved context, then the ratios. Also measures the share of endpoints the model names
that the index does not contain (flagged ``unverified``), and how long the server keeps computing
after a client that hit its first-token deadline has left.

    nice -n 10 .venv/bin/python scripts/bench/llm.py                  # 20 timed, 30 for unverified
    nice -n 10 .venv/bin/python scripts/bench/llm.py --questions 5 --unverified 5 --abandon 1
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, SHARED, print_table, write_json

SPECS = ("twilio_accounts_v1.json", "twilio_bulkexports_v1.json", "twilio_content_v2.json",
         "twilio_chat_v3.json")  # 30 operations between them
ENDPOINT = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE)\s+(/[\w{}/.\-]*)")


def questions(assistant, count: int) -> list[str]:
    """Return ``count`` questions built from the indexed operations' summaries, in a stable order."""
    found: list[str] = []
    for info in assistant.list_apis():
        for op in assistant.get_spec(info.api).operations:
            summary = (op.summary or op.operation_id or f"{op.method} {op.path}").strip().rstrip(".")
            found.append(f"How do I {summary[:1].lower()}{summary[1:]}?")
    found = sorted(set(found))
    return [found[i * len(found) // count] for i in range(count)] if len(found) > count else found


def router_for(server, max_tokens: int, **overrides: object):
    """Return a router whose one provider is the benchmark's server."""
    from src.core.config import Settings
    from src.rag.generation.base import ProviderConfig, ProviderKind
    from src.rag.generation.router import GenerationRouter, slot_for
    from tests.llm.llama_server import MODEL_ALIAS

    settings = Settings(llm_provider="offline", llm_max_tokens=max_tokens, **overrides)  # type: ignore[arg-type]
    config = ProviderConfig(kind=ProviderKind.OPENAI, base_url=server.base_url, model=MODEL_ALIAS,
                            first_token_timeout_s=settings.llm_first_token_timeout_s,
                            idle_timeout_s=settings.llm_idle_timeout_s, context_tokens=server.n_ctx,
                            max_retries=settings.llm_max_retries, max_tokens=max_tokens)
    return GenerationRouter([slot_for(config, settings)], max_wait_s=settings.llm_max_wait_s)


def ask_both(assistant, router, question: str) -> dict:
    """Answer one question offline and through the server; return the timings and counts."""
    from src.rag.generation.events import Final, Progress, TextDelta
    from src.rag.generation.offline import compose_offline

    hits = assistant.search(question)
    specs = {h.api: assistant.get_spec(h.api) for h in hits}
    started = time.perf_counter()
    offline = compose_offline(question, hits, specs)
    offline_s = time.perf_counter() - started
    prompt, first, answer = 0, None, None
    started = time.perf_counter()
    for event in router.stream(question, hits, offline, known=assistant.known_references()):
        if isinstance(event, Progress) and event.stage == "reading":
            prompt = event.prompt_tokens
        elif isinstance(event, TextDelta) and first is None:
            first = time.perf_counter() - started
        elif isinstance(event, Final):
            answer = event.answer
    total = time.perf_counter() - started
    written = answer.usage.completion_tokens
    named = {f"{m} {p.rstrip('.')}" for m, p in ENDPOINT.findall(answer.text)}
    flagged = [n for n in named if any(n in u for u in answer.unverified)]
    return {"question": question, "prompt_tokens": prompt, "ttft_s": first or total, "total_s": total,
            "completion_tokens": written, "tokens_per_s": written / max(1e-6, total - (first or total)),
            "offline_s": offline_s, "degraded": answer.degraded, "named": len(named), "unverified": len(flagged),
            "unverified_refs": len(answer.unverified)}


def abandoned(server, assistant, question: str) -> dict:
    """Leave at a 1 s first-token deadline; return how long the server kept computing for nobody."""
    from src.rag.generation.offline import compose_offline
    from tests.llm.llama_server import wait_until_idle

    hits = assistant.search(question)
    router = router_for(server, 64, llm_first_token_timeout_s=1.0, llm_max_retries=2)
    fresh = f"{question} (ref {time.time_ns()})"  # nothing of it is in the server's prompt cache
    started = time.monotonic()
    answer = router.answer(fresh, hits, compose_offline(fresh, hits, {}))
    left = time.monotonic()
    free = wait_until_idle(server)
    return {"client_waited_s": left - started, "server_kept_computing_s": free - left,
            "retried": "still busy" not in (answer.degraded_reason or "")}


def main() -> int:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20, help="questions timed")
    parser.add_argument("--unverified", type=int, default=30, help="questions for the unverified share")
    parser.add_argument("--abandon", type=int, default=3, help="abandoned requests measured")
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--top-k", type=int, default=4)
    args = parser.parse_args()

    from src.core.config import Settings
    from src.rag.service import Assistant
    from tests.llm.llama_server import start_llama_server

    work = Path(tempfile.mkdtemp(prefix="bench-llm-"))
    assistant = Assistant(Settings(data_dir=work / "data", llm_provider="offline", top_k=args.top_k))
    for name in SPECS:
        assistant.index_path(SHARED / "specs" / "twilio" / name)
    asked = questions(assistant, max(args.questions, args.unverified))
    started = time.perf_counter()
    server = start_llama_server(work / "server.log")
    boot_s = time.perf_counter() - started
    try:
        router = router_for(server, args.max_tokens)
        rows = [ask_both(assistant, router, q) for q in asked]
        leaves = [abandoned(server, assistant, q) for q in asked[: args.abandon]]
    finally:
        server.stop()
    report(rows[: args.questions], rows, leaves, boot_s, args)
    return 0


def report(timed: list[dict], all_rows: list[dict], leaves: list[dict], boot_s: float, args) -> None:
    """Print the per-question table, the medians and ratios, the unverified share and the abandon figures."""
    print_table(["prompt tok", "TTFT s", "tok/s", "total s", "offline ms", "total/offline", "question"],
                [[r["prompt_tokens"], f"{r['ttft_s']:.1f}", f"{r['tokens_per_s']:.1f}", f"{r['total_s']:.1f}",
                  f"{r['offline_s'] * 1000:.1f}", f"{r['total_s'] / max(1e-6, r['offline_s']):.0f}x",
                  r["question"][:60]] for r in timed])
    med = {k: statistics.median(r[k] for r in timed) for k in ("prompt_tokens", "ttft_s", "tokens_per_s",
                                                                "total_s", "offline_s")}
    named = sum(r["named"] for r in all_rows)
    flagged = sum(r["unverified"] for r in all_rows)
    print(f"\nserver start: {boot_s:.1f} s; {len(timed)} questions, medians: prompt {med['prompt_tokens']:.0f} "
          f"tokens, TTFT {med['ttft_s']:.1f} s, {med['tokens_per_s']:.1f} tokens/s, total {med['total_s']:.1f} s, "
          f"offline {med['offline_s'] * 1000:.1f} ms")
    print(f"ratios (median LLM / offline): TTFT {med['ttft_s'] / med['offline_s']:.0f}x, "
          f"total {med['total_s'] / med['offline_s']:.0f}x; max total {max(r['total_s'] for r in timed):.1f} s, "
          f"degraded {sum(r['degraded'] for r in timed)}/{len(timed)}")
    print(f"unverified: {flagged}/{named} named endpoints ({flagged / max(1, named):.0%}) over {len(all_rows)} "
          f"answers; answers with at least one unverified endpoint or pointer: "
          f"{sum(r['unverified_refs'] > 0 for r in all_rows)}/{len(all_rows)} "
          f"({sum(r['unverified_refs'] for r in all_rows)} references in all)")
    for leave in leaves:
        print(f"abandoned at the 1 s first-token deadline: client left after {leave['client_waited_s']:.1f} s, "
              f"server kept computing {leave['server_kept_computing_s']:.1f} s, retried while busy: "
              f"{leave['retried']}")
    path = write_json("llm.json", {"args": vars(args), "boot_s": boot_s, "medians": med, "rows": all_rows,
                                   "unverified": {"named": named, "flagged": flagged}, "abandoned": leaves})
    print(f"written: {path.relative_to(REPO)}")


if __name__ == "__main__":
    sys.exit(main())

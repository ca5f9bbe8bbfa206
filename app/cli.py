"""`apiassist` command line: index, inspect, list, remove, reindex, search, ask, health, stats."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from app.api.commands import API_COMMANDS, add_api_commands
from app.terminal import TerminalMarkdown, show
from src.core.security import terminal_text
from src.core.config import load_settings
from src.core.errors import AppError, NotFound
from src.core.logging import configure_logging
from src.rag.types import ChunkKind


EMPTY_LIBRARY = "The library is empty: index a spec first with `apiassist index FILE`."
# A terminal answer prints these unless --lang asks for others; --json always carries every language.
TERMINAL_LANGUAGES = ("curl", "python", "javascript")
QUIET_ENV = {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error",
             "TOKENIZERS_PARALLELISM": "false"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="apiassist", description="Index API specs and ask questions about them.")
    p.add_argument("--data-dir", type=Path, default=None, help="data directory (default: $APIASSIST_DATA_DIR or ./data)")
    sub = p.add_subparsers(dest="command", required=True)
    ix = sub.add_parser("index", help="index spec files, archives or folders")
    ix.add_argument("files", nargs="+", type=Path)
    ix.add_argument("--root", default=None, help="root spec file inside an archive or folder")
    ins = sub.add_parser("inspect", help="parse files without indexing them")
    ins.add_argument("files", nargs="+", type=Path)
    ins.add_argument("--root", default=None)
    ins.add_argument("--json", action="store_true")
    ls = sub.add_parser("list", help="list indexed APIs")
    ls.add_argument("--json", action="store_true")
    rm = sub.add_parser("remove", help="delete one API and its chunks")
    rm.add_argument("api")
    ri = sub.add_parser("reindex", help="re-index APIs from their stored originals")
    ri.add_argument("api", nargs="?")
    ri.add_argument("--all", action="store_true")
    se = sub.add_parser("search", help="search the library ('-' reads one query per line from stdin)")
    se.add_argument("query")
    se.add_argument("--top-k", type=int, default=None)
    se.add_argument("--api", action="append", default=[])
    se.add_argument("--tag", action="append", default=[])
    se.add_argument("--method", action="append", default=[])
    se.add_argument("--kind", action="append", default=[], choices=[k.value for k in ChunkKind])
    se.add_argument("--latest", action="store_true", help="only the newest version of each API")
    se.add_argument("--json", action="store_true")
    ask = sub.add_parser("ask", help="answer a question with endpoints, sources and code")
    ask.add_argument("question")
    ask.add_argument("--api", action="append", default=[])
    ask.add_argument("--top-k", type=int, default=None)
    ask.add_argument("--lang", default=None,
                     help="code sample languages, comma-separated (default: all), e.g. go,java")
    ask.add_argument("--json", action="store_true")
    he = sub.add_parser("health", help="report store, model and LLM provider health")
    he.add_argument("--json", action="store_true")
    st = sub.add_parser("stats", help="cache and library counters")
    st.add_argument("--json", action="store_true")
    add_api_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    for name, value in QUIET_ENV.items():
        os.environ.setdefault(name, value)
    args = _parser().parse_args(argv)
    try:
        # The CLI is quiet unless asked: events go to stderr at WARNING so stdout stays parseable JSON.
        settings = load_settings(data_dir=args.data_dir, log_level=None if "APIASSIST_LOG_LEVEL" in os.environ else "WARNING")
        configure_logging(settings.env.value == "production", settings.log_level)
        if args.command == "inspect":
            code = _inspect(args, settings)
        else:
            from src.rag.service import Assistant

            code = COMMANDS[args.command](Assistant(settings), args)
        sys.stdout.flush()  # a reader that went away shows up here, not as a message at exit
        return code
    except BrokenPipeError:
        # `apiassist ... | head` stopped reading: stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit flush must not fail again
        return 141  # what a shell reports for a writer stopped by SIGPIPE
    except AppError as err:
        show(f"error: {err}", err=True)
        return 1
    except KeyboardInterrupt:
        show("error: interrupted; nothing was left half-written.", err=True)
        return 130
    except Exception as err:  # the CLI never shows a traceback; the log has the detail
        show(f"error: unexpected {type(err).__name__}: {err}; run again with APIASSIST_LOG_LEVEL=DEBUG.", err=True)
        return 1


def _inspect(args: argparse.Namespace, settings) -> int:
    from src.rag.parsing import inspect_path

    reports = [inspect_path(f, settings=settings, root=args.root) for f in args.files]
    if args.json:
        print(json.dumps([r.to_inspect_json() for r in reports], indent=2))
    else:
        for r in reports:
            if r.ok:
                show(f"ok    {r.file}: {r.title} {r.version} ({r.format}), {r.operations} operations, {r.schemas} schemas")
                for w in r.warnings:
                    show(f"      warning: {w}")
            else:
                show(f"FAIL  {r.error}")
    return 0 if all(r.ok for r in reports) else 1


def make_progress_printer(stream):
    """Return a progress callback that redraws one line on a terminal stream."""
    def draw(fraction: float, message: str) -> None:
        bar = "#" * int(fraction * 30)
        stream.write(f"\r[{bar:<30}] {fraction * 100:5.1f}% {terminal_text(message)[:50]:<50}")
        stream.flush()
        if fraction >= 1.0:
            stream.write("\n")
    return draw


def _index(a, args) -> int:
    failed = 0
    for path in args.files:
        progress = make_progress_printer(sys.stderr) if sys.stderr.isatty() else None
        r = a.index_path(path, root=args.root, progress=progress)
        if r.ok:
            note = " (unchanged)" if r.unchanged else f", {r.embedded} embedded"
            show(f"{r.title} {r.version}: {r.operations} operations, {r.chunks} chunks{note}, {r.seconds:.1f}s [{r.api}]")
        else:
            failed += 1
            show(f"failed: {r.error}")
    return 1 if failed else 0


def _list(a, args) -> int:
    apis = a.list_apis()
    if args.json:
        print(json.dumps([i.to_json() for i in apis], indent=2))
    elif not apis:
        show(EMPTY_LIBRARY)
    for i in apis if not args.json else []:
        show(f"{i.api}\t{i.title}\t{i.version}\t{i.format}\t{i.operations} ops\t{i.chunks} chunks\t{i.source}")
    return 0


def _remove(a, args) -> int:
    n = a.remove(args.api)
    show(f"Removed {args.api} ({n} chunks).")
    return 0


def _reindex(a, args) -> int:
    targets = [i.api for i in a.list_apis()] if args.all else [args.api] if args.api else []
    if not targets:
        show("error: name an API or pass --all.", err=True)
        return 2
    failed = 0
    for api in targets:
        r = a.reindex(api)
        show(f"{api}: {r.chunks} chunks, {r.embedded} re-embedded" if r.ok else f"failed: {r.error}")
        failed += not r.ok
    return 1 if failed else 0


def _filters(args):
    from src.rag.retrieval import SearchFilters
    from src.rag.types import ChunkKind

    return SearchFilters(tuple(args.api), tuple(getattr(args, "tag", [])), tuple(getattr(args, "method", [])),
                         tuple(ChunkKind(k) for k in getattr(args, "kind", [])))


def _empty_library(purpose: str) -> NotFound:
    """Build the error for a command that needs an indexed spec."""
    return NotFound(f"The library is empty, so there is nothing to {purpose}: index a spec first with `apiassist index FILE`.")


def _known_apis(a, args) -> bool:
    """Tell whether there is anything to search; raise `NotFound` naming any `--api` that is not in the library."""
    for api in args.api:
        a.get_api(api)
    # a shared ChromaDB server can hold chunks this data directory's catalogue does not list
    return bool(a.list_apis()) or a.stats()["chunks"] > 0


def _search(a, args) -> int:
    batch = args.query == "-"  # batch mode always prints one JSON object per input line, in order
    if not _known_apis(a, args):
        raise _empty_library("search")
    queries = [q.strip() for q in sys.stdin if q.strip()] if batch else [args.query]
    for q in queries:
        try:
            hits = a.search(q, top_k=args.top_k, filters=_filters(args), latest_only=args.latest)
        except AppError as err:
            if not batch:
                raise
            print(json.dumps({"query": q, "hits": [], "error": str(err)}), flush=True)
            continue
        if args.json or batch:
            print(json.dumps({"query": q, "hits": [h.to_json() for h in hits]}), flush=True)
        else:
            _show_hits(q, hits)
    return 0


def _show_hits(query: str, hits) -> None:
    """Print hits best first with the learned ranker's score, the number the order comes from; the order
    departs from it only for an endpoint named outright, a step of a multi-step query, or a third endpoint
    of one resource, which waits behind the other resources (retrieval's diversity rule)."""
    show(f"# {query}")
    if not hits:
        show("No chunk matches; try other words or drop a filter.")
        return
    show("rank  score  result (best first, as the learned ranker scores them)")
    for rank, h in enumerate(hits, 1):
        show(f"{rank:>4}  {h.score:.3f}  {h.title}  [{h.api} {h.source}]")


def _ask(a, args) -> int:
    from src.rag.codegen import arrange_samples, parse_languages
    from src.rag.generation.events import Final, Progress, TextDelta

    if not _known_apis(a, args):
        raise _empty_library("answer from")
    languages = parse_languages(args.lang) if args.lang is not None else None  # a bad name fails before the search
    started = time.perf_counter()
    answer, text = None, TerminalMarkdown()
    for event in a.stream(args.question, filters=_filters(args), top_k=args.top_k):
        if isinstance(event, TextDelta) and not args.json:
            show(text.feed(event.text), end="")
        elif isinstance(event, Progress) and not args.json:
            show(event.message, err=True)  # what the wait is for, e.g. a slow local model
        elif isinstance(event, Final):
            answer = event.answer
    if languages is not None:
        answer = dataclasses.replace(answer, code=arrange_samples(answer.code, languages))
    if args.json:
        print(json.dumps(answer.to_json() | {"seconds": round(time.perf_counter() - started, 3)}, indent=2))
        return 0
    show(text.flush())
    if not answer.text.count("```"):
        _print_code(answer.code, languages)
    if answer.degraded:
        show(f"\nnote: {answer.degraded_reason}", err=True)
    if answer.unverified:
        show("\nwarning: not found in the indexed specs: " + ", ".join(answer.unverified), err=True)
    return 0


def _print_code(samples, languages) -> None:
    """Print the chosen languages' samples (the terminal default when none were chosen) and name the rest."""
    from src.rag.codegen import arrange_samples

    shown = arrange_samples(samples, languages or TERMINAL_LANGUAGES)
    for sample in shown:
        show(f"\n```{sample.language}\n{sample.code}\n```")
    hidden = list(dict.fromkeys(s.language for s in samples if s not in shown))
    if hidden:
        show(f"\nAlso available: {', '.join(hidden)} (pick with --lang, or --json for all).")


def _health(a, args) -> int:
    report = a.health()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        library = report["library"]
        show(f"library: {'ok' if library.get('ok') else 'FAILING'} ({library.get('apis')} APIs)")
        for repair in library.get("recent_repairs", []):
            show(f"repaired at {repair['at']}: {repair['action']}")
        show(f"store: {'ok' if report['store'].get('ok') else 'FAILING'} ({report['store'].get('mode')})"
             + (f": {report['store']['error']}" if report["store"].get("error") else ""))
        show(f"embedding model: {report['embedding']['path']} (loaded: {report['embedding']['loaded']})"
             + (f": {report['embedding']['error']}" if report["embedding"].get("error") else ""))
        for p in report["providers"]:
            show(f"provider {p.get('name')}: {p.get('state')}" + (f": {p['error']}" if p.get("error") else ""))
    return 0 if report["ok"] else 1


def _stats(a, args) -> int:
    stats = a.stats()
    if args.json:
        print(json.dumps(stats))
        return 0
    for key, value in stats.items():
        if isinstance(value, dict):
            show(f"{key.replace('_', ' ')}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in value.items()))
        else:
            show(f"{key.replace('_', ' ')}: {value}")
    return 0


COMMANDS = {"index": _index, "list": _list, "remove": _remove, "reindex": _reindex, "search": _search,
            "ask": _ask, "health": _health, "stats": _stats, **API_COMMANDS}

if __name__ == "__main__":
    sys.exit(main())

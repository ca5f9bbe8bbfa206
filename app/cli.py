"""`apiassist` command line: index, inspect, list, remove, reindex, search, ask, health, stats."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from app.api.commands import API_COMMANDS, add_api_commands
from src.core.config import load_settings
from src.core.errors import AppError
from src.core.logging import configure_logging
from src.rag.types import ChunkKind


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
            return _inspect(args, settings)
        from src.rag.service import Assistant

        assistant = Assistant(settings)
        return COMMANDS[args.command](assistant, args)
    except AppError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; nothing was left half-written.", file=sys.stderr)
        return 130
    except Exception as err:  # the CLI never shows a traceback; the log has the detail
        print(f"error: unexpected {type(err).__name__}: {err}; run again with APIASSIST_LOG_LEVEL=DEBUG.", file=sys.stderr)
        return 1


def _inspect(args: argparse.Namespace, settings) -> int:
    from src.rag.parsing import inspect_path

    reports = [inspect_path(f, settings=settings, root=args.root) for f in args.files]
    if args.json:
        print(json.dumps([r.to_inspect_json() for r in reports], indent=2))
    else:
        for r in reports:
            if r.ok:
                print(f"ok    {r.file}: {r.title} {r.version} ({r.format}), {r.operations} operations, {r.schemas} schemas")
                for w in r.warnings:
                    print(f"      warning: {w}")
            else:
                print(f"FAIL  {r.error}")
    return 0 if all(r.ok for r in reports) else 1


def make_progress_printer(stream):
    """Return a progress callback that redraws one line on a terminal stream."""
    def show(fraction: float, message: str) -> None:
        bar = "#" * int(fraction * 30)
        stream.write(f"\r[{bar:<30}] {fraction * 100:5.1f}% {message[:50]:<50}")
        stream.flush()
        if fraction >= 1.0:
            stream.write("\n")
    return show


def _index(a, args) -> int:
    failed = 0
    for path in args.files:
        progress = make_progress_printer(sys.stderr) if sys.stderr.isatty() else None
        r = a.index_path(path, root=args.root, progress=progress)
        if r.ok:
            note = " (unchanged)" if r.unchanged else f", {r.embedded} embedded"
            print(f"{r.title} {r.version}: {r.operations} operations, {r.chunks} chunks{note}, {r.seconds:.1f}s [{r.api}]")
        else:
            failed += 1
            print(f"failed: {r.error}")
    return 1 if failed else 0


def _list(a, args) -> int:
    apis = a.list_apis()
    if args.json:
        print(json.dumps([i.to_json() for i in apis], indent=2))
    elif not apis:
        print("The library is empty: index a spec with `apiassist index FILE`.")
    for i in apis if not args.json else []:
        print(f"{i.api}\t{i.title}\t{i.version}\t{i.format}\t{i.operations} ops\t{i.chunks} chunks\t{i.source}")
    return 0


def _remove(a, args) -> int:
    n = a.remove(args.api)
    print(f"Removed {args.api} ({n} chunks).")
    return 0


def _reindex(a, args) -> int:
    targets = [i.api for i in a.list_apis()] if args.all else [args.api] if args.api else []
    if not targets:
        print("error: name an API or pass --all.", file=sys.stderr)
        return 2
    failed = 0
    for api in targets:
        r = a.reindex(api)
        print(f"{api}: {r.chunks} chunks, {r.embedded} re-embedded" if r.ok else f"failed: {r.error}")
        failed += not r.ok
    return 1 if failed else 0


def _filters(args):
    from src.rag.retrieval import SearchFilters
    from src.rag.types import ChunkKind

    return SearchFilters(tuple(args.api), tuple(getattr(args, "tag", [])), tuple(getattr(args, "method", [])),
                         tuple(ChunkKind(k) for k in getattr(args, "kind", [])))


def _search(a, args) -> int:
    queries = [q.strip() for q in sys.stdin if q.strip()] if args.query == "-" else [args.query]
    for q in queries:
        try:
            hits = a.search(q, top_k=args.top_k, filters=_filters(args), latest_only=args.latest)
        except AppError as err:
            if args.query != "-":
                raise
            # batch mode keeps one output line per input line, in order
            print(json.dumps({"query": q, "hits": [], "error": str(err)}), flush=True)
            continue
        if args.json:
            print(json.dumps({"query": q, "hits": [h.to_json() for h in hits]}), flush=True)
        else:
            print(f"# {q}")
            for h in hits:
                print(f"{h.score:.3f}  {h.title}  [{h.api} {h.source}]")
    return 0


def _ask(a, args) -> int:
    from src.rag.generation.events import Final, TextDelta

    started = time.perf_counter()
    answer = None
    for event in a.stream(args.question, filters=_filters(args), top_k=args.top_k):
        if isinstance(event, TextDelta) and not args.json:
            sys.stdout.write(event.text)
            sys.stdout.flush()
        elif isinstance(event, Final):
            answer = event.answer
    if args.json:
        print(json.dumps(answer.to_json() | {"seconds": round(time.perf_counter() - started, 3)}, indent=2))
        return 0
    print()
    for sample in answer.code if not answer.text.count("```") else ():
        print(f"\n```{sample.language}\n{sample.code}\n```")
    if answer.degraded:
        print(f"\nnote: {answer.degraded_reason}", file=sys.stderr)
    if answer.unverified:
        print("\nwarning: not found in the indexed specs: " + ", ".join(answer.unverified), file=sys.stderr)
    return 0


def _health(a, args) -> int:
    report = a.health()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"store: {'ok' if report['store'].get('ok') else 'FAILING'} ({report['store'].get('mode')})")
        print(f"embedding model: {report['embedding']['path']} (loaded: {report['embedding']['loaded']})")
        for p in report["providers"]:
            print(f"provider {p.get('name')}: {p.get('state')}")
    return 0 if report["ok"] else 1


def _stats(a, args) -> int:
    print(json.dumps(a.stats(), indent=2 if not args.json else None))
    return 0


COMMANDS = {"index": _index, "list": _list, "remove": _remove, "reindex": _reindex, "search": _search,
            "ask": _ask, "health": _health, "stats": _stats, **API_COMMANDS}

if __name__ == "__main__":
    sys.exit(main())

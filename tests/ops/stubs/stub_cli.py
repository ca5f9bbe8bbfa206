#!/usr/bin/env python3
"""Recording stand-in for a cloud CLI (aws, gcloud, az, doctl, docker), linked under that name.

Every call is appended as one JSON line to $STUB_LOG: the command name, its arguments, what it
read on stdin and the content of any file:// or @file argument. The answer comes from the first
rule in $STUB_RULES (a JSON list of {"cmd", "match", "stdout", "exit"}) whose tokens all appear
among the arguments; with no rule the stub prints nothing and succeeds.
"""

import json
import os
import sys
from pathlib import Path


def _files(args: list[str]) -> dict[str, str]:
    """Return the content of files the command was pointed at, before the caller deletes them."""
    found = {}
    for arg in args:
        for prefix in ("file://", "@"):
            path = arg.partition("=")[2] if "=" in arg and prefix == "@" else arg
            if path.startswith(prefix) and Path(path[len(prefix):]).is_file():
                found[arg] = Path(path[len(prefix):]).read_text()
        if arg.endswith((".json", ".yaml", ".yml", ".sh")) and Path(arg).is_file():
            found[arg] = Path(arg).read_text()
    return found


def main() -> int:
    """Record the call and answer it from the rules."""
    name, args = Path(sys.argv[0]).name, sys.argv[1:]
    stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    record = {"cmd": name, "args": args, "stdin": stdin, "files": _files(args)}
    with open(os.environ["STUB_LOG"], "a") as log:
        log.write(json.dumps(record) + "\n")
    rules = json.loads(Path(os.environ["STUB_RULES"]).read_text()) if os.environ.get("STUB_RULES") else []
    for rule in rules:
        if rule["cmd"] == name and all(token in args for token in rule.get("match", [])):
            sys.stdout.write(rule.get("stdout", ""))
            return int(rule.get("exit", 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())

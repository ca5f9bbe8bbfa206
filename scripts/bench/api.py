"""Bounded load run of `apiassist serve`: concurrent clients mixing search, ask and upload against one server.

    nice -n 10 .venv/bin/python scripts/bench/api.py [--clients 20] [--seconds 60]

A fresh data dir gets two small Twilio specs and a write key (through the CLI); then one server
process takes `--clients` threads, each looping for `--seconds`: 30% ask, `--upload-share` (5%)
uploads of a distinct generated spec, the rest search. Prints p50/p95 latency per route, also as
ratios to one client searching alone, the count of 5xx replies (must be 0) and whether every
accepted upload is in the library afterwards (no lost upload). The rate limit is raised out of the
way: this measures the server, not the limiter.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, SHARED, print_table, write_json  # noqa: E402

SPECS = ("twilio_bulkexports_v1.json", "twilio_pricing_v1.json")
QUERIES = ["create an export job", "list export days", "fetch an export job", "delete a job",
           "messaging prices for a country", "voice prices for a number", "phone number prices",
           "export configuration", "update the export configuration", "list voice countries"]
QUESTIONS = ["How do I create an export job?", "How much does an SMS to France cost?", "How do I delete a job?",
             "How do I get the price of a voice call to a number?", "How do I list the days of an export?",
             "Which endpoint lists phone number prices by country?"]


def generated_spec(tag: str) -> bytes:
    """Return a small OpenAPI document of its own (unique title), so each upload adds one API."""
    paths = {f"/v1/{res}": {"get": {"operationId": f"list{res.title()}", "summary": f"List {res} of {tag}",
                                    "responses": {"200": {"description": "ok"}}},
                            "post": {"operationId": f"create{res.title()}", "summary": f"Create a {res[:-1]}",
                                     "responses": {"201": {"description": "created"}}}}
             for res in ("widgets", "gadgets")}
    return json.dumps({"openapi": "3.0.3", "info": {"title": f"Bench {tag}", "version": "1.0.0"},
                       "servers": [{"url": "https://bench.example.com"}], "paths": paths}).encode()


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APIASSIST_")}
    return env | {"PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "APIASSIST_DATA_DIR": str(data_dir),
                  "APIASSIST_API_RATE_LIMIT_PER_MINUTE": "1000000", "APIASSIST_API_RATE_LIMIT_BURST": "1000000",
                  "APIASSIST_LOG_LEVEL": "WARNING"}


def _cli(data_dir: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "app.cli", *args], env=_env(data_dir), cwd=REPO,
                          capture_output=True, text=True, check=True)
    return done.stdout


def free_port() -> int:
    """Return a loopback port that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    """Start `apiassist serve` and wait until it answers."""
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env=_env(data_dir),
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start within 120 s")


class Load:
    """Shared results of the client threads."""

    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.uploaded: list[str] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def record(self, route: str, seconds: float, status: int) -> None:
        """Record one request."""
        with self.lock:
            self.latency[route].append(seconds)
            self.status[route][status] += 1


def client_loop(n: int, url: str, key: str, until: float, load: Load, upload_share: float) -> None:
    """Loop one client until the deadline, mixing the three kinds of request."""
    rng = random.Random(n)
    count = 0
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=300) as http:
        while time.monotonic() < until:
            roll, started = rng.random(), time.perf_counter()
            try:
                if roll < upload_share:
                    count += 1
                    route, resp = "upload", http.post("/api/v1/apis", params={"name": f"bench-{n}-{count}.json"},
                                                      content=generated_spec(f"{n}-{count}"))
                    if resp.status_code == 201:
                        with load.lock:
                            load.uploaded.append(resp.json()["api"])
                elif roll < upload_share + 0.30:
                    route, resp = "ask", http.post("/api/v1/ask", json={"question": rng.choice(QUESTIONS)})
                else:
                    route, resp = "search", http.post("/api/v1/search", json={"query": rng.choice(QUERIES)})
            except httpx.HTTPError as err:
                with load.lock:
                    load.errors.append(f"{type(err).__name__}: {err}")
                continue
            load.record(route, time.perf_counter() - started, resp.status_code)


def _alone(http: httpx.Client, rounds: int = 40) -> float:
    """Return the p50 of one client searching alone: the yardstick the loaded figures are divided by."""
    times = []
    for n in range(rounds):
        started = time.perf_counter()
        http.post("/api/v1/search", json={"query": QUERIES[n % len(QUERIES)]})
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def report(load: Load, listed: set[str], seconds: float, baseline: float) -> dict:
    """Print the per-route table (ratios to one client searching alone) and the checks; return the figures."""
    rows, figures = [], {}
    for route in ("search", "ask", "upload"):
        lat = load.latency.get(route) or [0.0]
        codes = dict(load.status.get(route, {}))
        figures[route] = {"requests": sum(codes.values()), "statuses": codes, "p50_ms": round(_pct(lat, 50) * 1000, 1),
                          "p95_ms": round(_pct(lat, 95) * 1000, 1)}
        rows.append([route, figures[route]["requests"], figures[route]["p50_ms"], figures[route]["p95_ms"],
                     f"{_pct(lat, 50) / baseline:.1f}x / {_pct(lat, 95) / baseline:.1f}x",
                     " ".join(f"{k}x{v}" for k, v in sorted(codes.items()))])
    print(f"one client searching alone: p50 {baseline * 1000:.1f} ms (the yardstick)\n")
    print_table(["route", "requests", "p50 ms", "p95 ms", "p50 / p95 vs alone", "statuses"], rows)
    five = sum(c for codes in load.status.values() for s, c in codes.items() if s >= 500)
    lost = sorted(set(load.uploaded) - listed)
    total = sum(f["requests"] for f in figures.values())
    print(f"\n{total} requests in {seconds:.0f} s ({total / seconds:.1f}/s); 5xx: {five}; transport errors: "
          f"{len(load.errors)}; uploads accepted: {len(load.uploaded)}, lost: {len(lost)}")
    return {"alone_search_p50_ms": round(baseline * 1000, 1), "routes": figures, "five_xx": five,
            "transport_errors": load.errors[:5], "uploads": len(load.uploaded),
            "lost_uploads": lost, "requests_per_s": round(total / seconds, 2)}


def main() -> int:
    """Run the load and print the figures; exit 1 on any 5xx, transport error or lost upload."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--upload-share", type=float, default=0.05, help="share of requests that upload (0 = none)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="apiassist-bench-") as tmp:
        data = Path(tmp) / "data"
        _cli(data, "index", *(str(SHARED / "specs" / "twilio" / name) for name in SPECS))
        key = json.loads(_cli(data, "keys", "create", "--name", "bench", "--scope", "write", "--json"))["key"]
        port = free_port()
        proc = start_server(data, port)
        url = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=300) as http:
                http.post("/api/v1/search", json={"query": "warm up"})  # the model loads on first use
                baseline = _alone(http)
                load, until = Load(), time.monotonic() + args.seconds
                threads = [threading.Thread(target=client_loop, args=(n, url, key, until, load, args.upload_share))
                           for n in range(args.clients)]
                started = time.monotonic()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                elapsed = time.monotonic() - started
                listed = {a["api"] for a in http.get("/api/v1/apis").json()["apis"]}
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"{args.clients} clients, {args.seconds:.0f} s, one server on 127.0.0.1\n")
    figures = report(load, listed, elapsed, baseline) | {"clients": args.clients, "seconds": args.seconds,
                                                         "upload_share": args.upload_share}
    print(f"results: {write_json('api.json', figures)}")
    return 1 if figures["five_xx"] or figures["lost_uploads"] or figures["transport_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

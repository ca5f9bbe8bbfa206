"""Prometheus metrics of the API process: requests, latencies, ingests, caches, breakers, LLM tokens and cost."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from src.rag.types import Answer, IngestReport

# Spans a warm search (milliseconds) to a model-loading first ask or a large ingest (tens of seconds).
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_BREAKER_STATES = ("closed", "open", "half_open")


class _LiveCollector(Collector):
    """Reads cache counters and breaker states from the running assistant at scrape time."""

    def __init__(self, assistant: Callable[[], Any]) -> None:
        self._assistant = assistant

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the cache and breaker gauges."""
        a = self._assistant()
        caches = {"embedding": a.embedder.cache.stats, "answer": a.answer_cache.stats}
        hits = GaugeMetricFamily("apiassist_cache_hits", "Cache hits since the process started", labels=["cache"])
        misses = GaugeMetricFamily("apiassist_cache_misses", "Cache misses since the process started", labels=["cache"])
        rate = GaugeMetricFamily("apiassist_cache_hit_ratio", "Hits / (hits + misses)", labels=["cache"])
        for name, stats in caches.items():
            hits.add_metric([name], stats.hits)
            misses.add_metric([name], stats.misses)
            rate.add_metric([name], stats.hit_rate)
        breaker = GaugeMetricFamily("apiassist_breaker_state", "1 for the current state of each provider's breaker",
                                    labels=["provider", "state"])
        for row in a.router.health():
            for state in _BREAKER_STATES:
                breaker.add_metric([str(row.get("name")), state], 1.0 if str(row.get("state")) == state else 0.0)
        yield from (hits, misses, rate, breaker)


class ApiMetrics:
    """One registry per app, so several apps in one process (tests, benchmarks) never collide."""

    def __init__(self, assistant: Callable[[], Any]) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("apiassist_http_requests", "HTTP requests", ["method", "route", "status"], registry=r)
        self.latency = Histogram("apiassist_http_request_duration_seconds", "HTTP request latency",
                                 ["method", "route"], buckets=_LATENCY_BUCKETS, registry=r)
        self.ingests = Counter("apiassist_ingests", "Spec ingests through the API", ["result"], registry=r)
        self.ingest_seconds = Histogram("apiassist_ingest_duration_seconds", "Ingest duration",
                                        buckets=_LATENCY_BUCKETS, registry=r)
        self.tokens = Counter("apiassist_llm_tokens", "LLM tokens of answers served", ["provider", "kind"], registry=r)
        self.cost = Counter("apiassist_llm_cost_usd", "Estimated LLM cost of answers served (USD)", ["provider"],
                            registry=r)
        self.answers = Counter("apiassist_answers", "Answers served", ["provider", "degraded", "cached"], registry=r)
        r.register(_LiveCollector(assistant))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request and record its latency."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def observe_ingest(self, report: IngestReport) -> None:
        """Count one ingest and record its duration."""
        result = "unchanged" if report.unchanged else "ok" if report.ok else "failed"
        self.ingests.labels(result).inc()
        self.ingest_seconds.observe(report.seconds)

    def observe_answer(self, answer: Answer) -> None:
        """Count one answer, its tokens and its cost."""
        self.answers.labels(answer.provider, str(answer.degraded).lower(), str(answer.cached).lower()).inc()
        if answer.cached:
            return  # the tokens were spent, and counted, when the answer was first written
        self.tokens.labels(answer.provider, "prompt").inc(answer.usage.prompt_tokens)
        self.tokens.labels(answer.provider, "completion").inc(answer.usage.completion_tokens)
        if answer.usage.cost_usd:
            self.cost.labels(answer.provider).inc(answer.usage.cost_usd)

    def render(self) -> bytes:
        """Return the registry in the Prometheus text format."""
        return generate_latest(self.registry)

"""Background ingest: uploads are indexed off the caller's thread, report progress per embedding batch, and
two owners' uploads both finish."""

from __future__ import annotations

import threading
import time

from src.core.config import Settings
from src.rag.jobs import IngestJobs, JobState
from src.rag.service import Assistant
from tests.conftest import shared


def _frontline() -> tuple[str, bytes]:
    path = shared("specs", "twilio", "twilio_frontline_v1.json")
    return path.name, path.read_bytes()


def test_submit_returns_at_once_and_progress_moves_with_every_batch(tmp_path):
    # A batch of 4 texts: the real spec's chunks arrive in several batches, each one reported.
    helper = Assistant(Settings(data_dir=tmp_path / "d", llm_provider="offline", embedding_batch_size=2))
    seen: list[str] = []
    gate = threading.Event()

    def index(name, data, progress):
        def spy(fraction, message):
            seen.append(message)
            progress(fraction, message)
        gate.wait(30)  # hold the worker so the caller can see the job queued
        return helper.index_upload(name, data, progress=spy)

    jobs = IngestJobs(index)
    started = time.perf_counter()
    job_id = jobs.submit("alice", *_frontline())
    assert time.perf_counter() - started < 1.0
    assert [j.id for j in jobs.jobs("alice")] == [job_id] and jobs.busy("alice")
    gate.set()
    assert jobs.wait(300)
    job = jobs.jobs("alice")[0]
    assert job.state == JobState.DONE and job.report.ok and job.report.operations == 2
    embedded = [m for m in seen if m.startswith("Embedded ")]
    assert len(embedded) >= 3 and embedded[-1].endswith(f"{job.report.chunks}/{job.report.chunks} chunks")


def test_two_owners_uploading_at_once_both_finish_and_see_only_their_own(tmp_path):
    helper = Assistant(Settings(data_dir=tmp_path / "d", llm_provider="offline"))
    jobs = IngestJobs(helper.index_upload)
    name, data = _frontline()
    jobs.submit("alice", name, data)
    jobs.submit("bob", "broken.json", b'{"openapi": "3.0.0", "paths": {')
    assert jobs.wait(300)
    alice, bob = jobs.jobs("alice"), jobs.jobs("bob")
    assert [j.state for j in alice] == [JobState.DONE] and [j.state for j in bob] == [JobState.FAILED]
    assert "broken.json" in bob[0].report.error and bob[0].report.error.count("\n") == 0
    assert [i.title for i in helper.list_apis()] == ["Twilio - Frontline"]  # the failure changed nothing
    jobs.clear_finished("alice")
    assert jobs.jobs("alice") == [] and len(jobs.jobs("bob")) == 1


def test_a_crashing_index_call_becomes_a_failed_job_with_one_sentence(tmp_path):
    def index(name, data, progress):
        raise RuntimeError("disk on fire")

    jobs = IngestJobs(index)
    jobs.submit("alice", "x.json", b"{}")
    assert jobs.wait(30)
    job = jobs.jobs("alice")[0]
    assert job.state == JobState.FAILED and "indexing failed unexpectedly (RuntimeError)" in job.report.error

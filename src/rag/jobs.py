"""Background ingest jobs: uploads are parsed and embedded on worker threads, never on a page's thread.

One `IngestJobs` per process (the app holds it next to its `Assistant`). Any page of any session reads a
snapshot of its owner's jobs; the workers write progress into the job as each embedding batch finishes.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from enum import Enum

from src.core.logging import get_logger
from src.rag.types import IngestReport

log = get_logger(__name__)

# Index one (name, bytes) with a progress callback; in the app this is `Assistant.index_upload`.
IndexFn = Callable[..., IngestReport]
KEEP_FINISHED_S = 3600  # finished jobs stay listed (collapsed) this long, then drop out


class JobState(str, Enum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Job:
    """A snapshot of one upload being indexed (readers get copies; only the worker updates the original)."""

    id: str
    owner: str
    file: str
    state: JobState = JobState.QUEUED
    fraction: float = 0.0
    message: str = "Waiting for the indexer"
    report: IngestReport | None = None
    submitted: float = 0.0
    finished: float = 0.0

    @property
    def active(self) -> bool:
        """Return whether the job is still queued or running."""
        return self.state in (JobState.QUEUED, JobState.RUNNING)


class IngestJobs:
    """A small worker pool for ingest; writes are serialised by the library's lock, reads never wait."""

    def __init__(self, index: IndexFn, workers: int = 1) -> None:
        self._index = index
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self.version = 0  # bumps on every change, so readers can tell whether anything moved

    def submit(self, owner: str, name: str, data: bytes) -> str:
        """Queue one upload for indexing and return its job id at once."""
        job = Job(id=uuid.uuid4().hex, owner=owner, file=name, submitted=time.time())
        with self._lock:
            self._jobs[job.id] = job
            self.version += 1
        self._pool.submit(self._run, job.id, name, data)
        log.info("ingest_job.queued", job=job.id, file=name)
        return job.id

    def jobs(self, owner: str) -> list[Job]:
        """Return this owner's jobs, oldest first (finished ones drop out after an hour)."""
        cutoff = time.time() - KEEP_FINISHED_S
        with self._lock:
            self._jobs = {k: j for k, j in self._jobs.items() if j.active or j.finished >= cutoff}
            return sorted((j for j in self._jobs.values() if j.owner == owner), key=lambda j: j.submitted)

    def busy(self, owner: str) -> bool:
        """Return whether any of this owner's uploads are still queued or running."""
        return any(j.active for j in self.jobs(owner))

    def clear_finished(self, owner: str) -> None:
        """Forget this owner's finished jobs (the reports stay in the library)."""
        with self._lock:
            self._jobs = {k: j for k, j in self._jobs.items() if j.owner != owner or j.active}
            self.version += 1

    def wait(self, timeout_s: float = 600.0) -> bool:
        """Block until no job is queued or running (for scripts and tests); return whether that happened."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if not any(j.active for j in self._jobs.values()):
                    return True
            time.sleep(0.05)
        return False

    def _update(self, job_id: str, **changes) -> None:
        with self._lock:
            if job_id in self._jobs:
                self._jobs[job_id] = replace(self._jobs[job_id], **changes)
                self.version += 1

    def _run(self, job_id: str, name: str, data: bytes) -> None:
        self._update(job_id, state=JobState.RUNNING, message="Starting")

        def progress(fraction: float, message: str) -> None:
            self._update(job_id, fraction=fraction, message=message)

        try:
            report = self._index(name, data, progress=progress)
        except Exception as exc:  # the index call reports its own failures; this is the last net
            log.error("ingest_job.crashed", job=job_id, error=type(exc).__name__)
            report = IngestReport(file=name, ok=False, error=f"{name}: indexing failed unexpectedly "
                                                            f"({type(exc).__name__}); try again.")
        state = JobState.DONE if report.ok else JobState.FAILED
        self._update(job_id, state=state, fraction=1.0, report=report, finished=time.time(),
                     message="Done" if report.ok else "Failed")
        log.info("ingest_job.finished", job=job_id, ok=report.ok)

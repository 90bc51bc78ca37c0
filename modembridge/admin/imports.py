"""CSV imports started from the admin page, run by one background worker.

The upload request only starts the job and returns; the page then polls its progress (rows
done of rows in the file) and finally shows the per-row report. One worker thread runs the
imports one after another, so the database sees a single importing writer.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from modembridge.validation import ValidationError

log = logging.getLogger(__name__)
KEEP_JOBS = 20  # finished reports kept for the page (in memory)

Progress = Callable[[int, int], None]
ImportRun = Callable[[Progress], Any]  # returns the contacts service's ImportReport


@dataclass(frozen=True)
class ImportStatus:
    """A snapshot of one import for the page."""

    id: str
    filename: str
    done: int
    total: int
    finished: bool
    report: Any  # ImportReport once finished without error
    error: str | None

    @property
    def percent(self) -> int:
        """0-100, for the progress bar (100 once finished)."""
        if self.finished:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class ImportJobs:
    """Start imports in the background and report their progress."""

    def __init__(self) -> None:
        """No worker thread until the first import."""
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, ImportStatus] = OrderedDict()
        self._executor: ThreadPoolExecutor | None = None

    def start(self, filename: str, run: ImportRun) -> str:
        """Queue `run(progress)`; return the job id for `status`."""
        job_id = secrets.token_urlsafe(12)
        with self._lock:
            self._jobs[job_id] = ImportStatus(job_id, filename, 0, 0, False, None, None)
            while len(self._jobs) > KEEP_JOBS:
                self._jobs.popitem(last=False)
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="csv-import")
            executor = self._executor
        executor.submit(self._run, job_id, run)
        return job_id

    def status(self, job_id: str) -> ImportStatus | None:
        """The job's current state, or None for an unknown (or forgotten) id."""
        with self._lock:
            return self._jobs.get(job_id)

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            current = self._jobs.get(job_id)
            if current is not None:
                self._jobs[job_id] = ImportStatus(**{**vars(current), **changes})

    def _run(self, job_id: str, run: ImportRun) -> None:
        def progress(done: int, total: int) -> None:
            self._update(job_id, done=done, total=total)

        try:
            report = run(progress)
        except ValidationError as exc:  # the file is not CSV at all
            self._update(job_id, finished=True, error=str(exc))
        except Exception as exc:  # the page must learn the import died, not spin forever
            log.exception("CSV import %s failed", job_id)
            self._update(job_id, finished=True, error=f"import failed: {exc}")
        else:
            self._update(job_id, finished=True, report=report)

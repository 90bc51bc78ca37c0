"""The APScheduler 3.x adapter: in-memory jobs rebuilt from the database, never the other
way round.

- one date job per campaign at its next planned run time (`campaign:{id}`), rebuilt at start
  and after every edit (`CampaignService.on_change`); a job whose time passed while the
  service was down fires at once, and the runner decides from the database whether the run
  is still within the grace period or missed;
- a tick every few seconds that catches anything a job missed (e.g. a clock jump),
  advances due flow instances and keeps deferred marketing out of quiet hours.
Jobs only plan (write outbox rows); the modem supervisors send.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from modembridge.campaigns import control
from modembridge.campaigns.flow_service import FlowService
from modembridge.campaigns.service import CampaignService

log = logging.getLogger(__name__)


class AutomationScheduler:
    """Owns the BackgroundScheduler that drives campaigns and flows."""

    def __init__(
        self, campaigns: CampaignService, flows: FlowService, *, tick_seconds: float
    ) -> None:
        """Prepare (nothing runs until `start`)."""
        self._campaigns = campaigns
        self._flows = flows
        self._tick = tick_seconds
        self._lock = threading.Lock()
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(3)},
            # The database decides what is late (grace period), so APScheduler never drops
            # a late job itself; coalesce folds several missed firings into one.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        # One INFO line per job execution every few seconds would drown the log.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)

    def start(self) -> None:
        """Start the scheduler, the ticks, and the campaign jobs from the database."""
        self._scheduler.start()
        interval = IntervalTrigger(seconds=self._tick, timezone=UTC)
        self._scheduler.add_job(
            _guarded(self._campaign_tick, "campaign tick"), interval, id="campaigns-tick"
        )
        self._scheduler.add_job(
            _guarded(self._flows.advance_due, "flow tick"), interval, id="flows-tick"
        )
        self._campaigns.on_change = self.rebuild
        self.rebuild()

    def rebuild(self) -> None:
        """Make the campaign jobs match the planned runs in the database."""
        wanted = {f"campaign:{cid}": at for cid, at in self._campaigns.planned_runs()}
        with self._lock:
            for job in self._scheduler.get_jobs():
                if job.id.startswith("campaign:") and job.id not in wanted:
                    job.remove()
            for job_id, run_at in wanted.items():
                self._scheduler.add_job(
                    _guarded(self._fire, job_id),
                    DateTrigger(run_date=run_at, timezone=UTC),
                    id=job_id,
                    replace_existing=True,
                )

    def job_ids(self) -> list[str]:
        """The ids of the scheduled jobs (status pages, tests)."""
        return sorted(job.id for job in self._scheduler.get_jobs())

    def stop(self) -> None:
        """Stop after the running job's current page; nothing half-written."""
        self._campaigns.runner.stop()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def _fire(self) -> None:
        if self._campaigns.runner.run_due():
            self.rebuild()

    def _campaign_tick(self) -> None:
        self._fire()
        with self._campaigns.db.transaction() as conn:
            control.defer_quiet_hours(conn, self._campaigns.planner, self._campaigns.clock())


def _guarded(job: Callable[[], object], what: str) -> Callable[[], None]:
    """Log a failing job instead of letting APScheduler print a bare traceback."""

    def run() -> None:
        """Run the job; log, never raise."""
        try:
            job()
        except Exception:
            log.exception("%s failed", what)

    return run

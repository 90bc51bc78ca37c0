"""Turning due run times into runs, and runs into outbox rows (what the scheduler calls).

`run_due` is safe to call any number of times from any thread: a run time is a row with
UNIQUE (campaign, run_at), planned -> running happens once in a transaction, and expansion
resumes from the run's committed cursor. A planned run found late (the service was down)
still runs when it is at most `grace` late; otherwise it is recorded as missed, as is every
run time that fell entirely inside the downtime (up to MAX_MISSED rows; the rest only
counted in the log).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from modembridge.campaigns import repository as repo
from modembridge.campaigns.expansion import Expansion, expand_run
from modembridge.campaigns.throttle import ThrottleState
from modembridge.store.db import Database

log = logging.getLogger(__name__)
MAX_MISSED = 100


class CampaignRunner:
    """Starts due runs and expands running ones."""

    def __init__(
        self,
        db: Database,
        spec: Expansion,
        grace: timedelta,
        clock: Callable[[], datetime],
        wake: Callable[[], None],
    ) -> None:
        """Bind to the store; `wake` nudges the modems after each committed page."""
        self._db = db
        self._spec = spec
        self._grace = grace
        self._clock = clock
        self._wake = wake
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def run_due(self, max_batches: int | None = None) -> bool:
        """Start the run times that are due and expand every running run.

        Returns True when any run changed state. Another thread already doing this makes
        the call return at once (it would find the same work). `max_batches` bounds the
        pages per run (tests use it to stop a run half way, as a kill would).
        """
        if not self._lock.acquire(blocking=False):
            return False
        try:
            with self._db.transaction() as conn:
                changed = self._start_due(conn, self._clock())
            for run in repo.runs_in_state(self._db.connection(), "running"):
                if self._stopping.is_set():
                    break
                expand_run(
                    self._db,
                    run.id,
                    self._spec,
                    self._clock,
                    on_batch=self._wake,
                    max_batches=max_batches,
                    keep_going=lambda: not self._stopping.is_set(),
                )
                changed = True
            return changed
        finally:
            self._lock.release()

    def stop(self) -> None:
        """Make a running expansion stop after its current page (it resumes at next start)."""
        self._stopping.set()

    def _start_due(self, conn: sqlite3.Connection, now: datetime) -> bool:
        due = repo.runs_in_state(conn, "planned", due_by=now)
        for run in due:
            campaign = repo.get_campaign(conn, run.campaign_id)
            assert campaign is not None  # runs_in_state joins campaigns
            late = now - run.run_at
            if late > self._grace:
                detail = f"missed: due {late.total_seconds():.0f} s ago (grace {self._grace})"
                log.warning("campaign %d: run at %s %s", campaign.id, run.run_at, detail)
                repo.finish_run(conn, run.id, "missed", now, detail)
                if not campaign.schedule.recurring:
                    repo.set_status(conn, campaign.id, "completed", now)
            else:
                log.info("campaign %d: starting the run at %s", campaign.id, run.run_at)
                repo.start_run(conn, run.id, ThrottleState(max(now, run.run_at)), now)
            self._plan_next(conn, campaign, run.run_at, now)
        return bool(due)

    def _plan_next(
        self,
        conn: sqlite3.Connection,
        campaign: repo.CampaignRecord,
        after: datetime,
        now: datetime,
    ) -> None:
        schedule, missed = campaign.schedule, 0
        nxt = schedule.next_after(after)
        while nxt is not None and now - nxt > self._grace:
            missed += 1
            if missed <= MAX_MISSED:
                detail = "missed: the service was down"
                repo.add_run(conn, campaign.id, nxt, "missed", now, detail)
                nxt = schedule.next_after(nxt)
            else:  # a long outage of a frequent schedule: jump to the first time not missed
                nxt = schedule.next_after(now - self._grace)
        if missed:
            log.warning("campaign %d: %d run time(s) missed while down", campaign.id, missed)
        if nxt is not None:
            repo.add_run(conn, campaign.id, nxt)

"""Expanding a campaign run into outbox rows, streaming and resumable.

The audience is read one keyset page at a time (`batch_size` contacts). Each page is
planned on a read snapshot, then written in ONE transaction together with the run's cursor
(the last contact id done) and its throttle state, so a run killed at any moment resumes
exactly after the last committed page, and only one page is ever in memory. Idempotency keys
`campaign:{id}:{run time}:{phone}` make even a re-planned page insert nothing twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from modembridge.campaigns import repository as repo
from modembridge.campaigns.audience import (
    AudienceQuery,
    list_query,
    page_sql,
    segment_query,
    tag_query,
)
from modembridge.campaigns.outbox_rows import insert_queued, marketing_row
from modembridge.campaigns.planner import (
    CAP_WINDOW,
    AudienceRow,
    Planned,
    PlannerSettings,
    Skipped,
    plan_run,
)
from modembridge.campaigns.templates import parse_template
from modembridge.campaigns.throttle import Throttle, ThrottleLimits, ThrottleState
from modembridge.clock import from_iso
from modembridge.store.db import Database

BUILTIN_FIELDS = ("first_name", "last_name", "name", "email", "phone")


class AudienceMissing(LookupError):
    """The list or segment a campaign names does not exist (any more)."""


@dataclass(frozen=True)
class Expansion:
    """What expanding a run needs besides the database."""

    planner: PlannerSettings
    limits: ThrottleLimits
    batch_size: int = 500


def audience_query(conn: sqlite3.Connection, audience: dict[str, str]) -> AudienceQuery:
    """The paged query for a stored audience.

    Raises:
        AudienceMissing: the named list or segment does not exist.
    """
    kind, name = next(iter(audience.items()))
    if kind == "tag":
        return tag_query(name)
    if kind == "list":
        row = conn.execute("SELECT id FROM lists WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise AudienceMissing(f"no list named {name!r}")
        return list_query(int(row[0]))
    filters = repo.segment_filters(conn, name)
    if filters is None:
        raise AudienceMissing(f"no segment named {name!r}")
    return segment_query(filters)


def read_page(
    conn: sqlite3.Connection, query: AudienceQuery, cursor: int, limit: int, now: datetime
) -> list[AudienceRow]:
    """The next `limit` audience rows after contact id `cursor`."""
    since = (now - CAP_WINDOW).isoformat(timespec="microseconds")
    rows = conn.execute(page_sql(query), (since, *query.params, cursor, limit)).fetchall()
    return [audience_row(r) for r in rows]


def audience_row(row: sqlite3.Row) -> AudienceRow:
    """An audience row from a page query (or any contacts row with the same columns)."""
    times = tuple(from_iso(t) for t in (row["marketing_times"] or "").split())
    return AudienceRow(
        contact_id=row["contact_id"],
        phone=row["phone"],
        subscription=row["subscription"],
        suppressed=bool(row["suppressed"]),
        timezone=row["timezone"],
        fields=contact_fields(row),
        marketing_times=times,
    )


def contact_fields(row: sqlite3.Row) -> dict[str, str]:
    """Template values of a contact: custom fields, then the built-in columns on top."""
    try:
        custom = json.loads(row["fields"] or "{}")
    except ValueError:
        custom = {}
    values = {
        str(k): str(v)
        for k, v in (custom.items() if isinstance(custom, dict) else ())
        if isinstance(v, str | int | float) and not isinstance(v, bool)
    }
    values.update({name: str(row[name] or "") for name in BUILTIN_FIELDS})
    return values


def expand_run(
    db: Database,
    run_id: int,
    spec: Expansion,
    clock: Callable[[], datetime],
    on_batch: Callable[[], None] = lambda: None,
    max_batches: int | None = None,
    keep_going: Callable[[], bool] = lambda: True,
) -> bool:
    """Expand a running run page by page; True when it is done.

    Stops early (False) when the campaign is paused or cancelled, the run is no longer
    running, after `max_batches` pages or when `keep_going()` turns false (shutdown);
    calling again continues at the saved cursor.
    `on_batch` runs after each committed page (the bridge wakes the modems there).
    """
    batches = 0
    while (max_batches is None or batches < max_batches) and keep_going():
        outcome = _expand_page(db, run_id, spec, clock())
        if outcome is not None:
            return outcome
        batches += 1
        on_batch()
    return False


def _expand_page(db: Database, run_id: int, spec: Expansion, now: datetime) -> bool | None:
    """One page: None when more pages follow, else done (True) / stopped (False).

    The page is read and planned on a read snapshot (planning is most of the CPU time);
    the write lock is taken only for the inserts and the cursor, so API requests and pages
    that write are not starved while a large campaign expands. If the run moved on in the
    meantime (paused, cancelled, or its cursor changed), the planned page is dropped and
    planned again from the stored state.
    """
    conn = db.connection()
    run = repo.get_run(conn, run_id)
    campaign = repo.get_campaign(conn, run.campaign_id) if run else None
    if run is None or campaign is None or run.status != "running":
        return False
    if campaign.status not in ("scheduled", "completed"):
        return False
    try:
        query = audience_query(conn, campaign.audience)
    except AudienceMissing as exc:
        with db.transaction() as write:
            _finish(write, campaign, run_id, now, str(exc))
        return True
    rows = read_page(conn, query, run.cursor, spec.batch_size, now)
    state = run.throttle or ThrottleState(now)
    throttle = Throttle(spec.limits, replace(state, cursor=max(state.cursor, now)))
    planned = _plan_page(run, campaign, rows, throttle, spec)
    with db.transaction() as write:
        current = repo.get_run(write, run_id)
        fresh = repo.get_campaign(write, run.campaign_id)
        if current is None or fresh is None or current.status != "running":
            return False
        if fresh.status != campaign.status or current.cursor != run.cursor:
            return None  # changed under us: plan again from the stored state
        if not rows:
            _finish(write, campaign, run_id, now, None)
            return True
        queued, skipped = _write_page(write, run, planned, now)
        repo.save_progress(write, run_id, rows[-1].contact_id, throttle.state, queued, skipped)
    return None


def _plan_page(
    run: repo.RunRecord,
    campaign: repo.CampaignRecord,
    rows: list[AudienceRow],
    throttle: Throttle,
    spec: Expansion,
) -> list[Planned | Skipped]:
    return list(
        plan_run(
            rows,
            campaign_id=campaign.id,
            run_at=run.run_at,
            template=parse_template(campaign.text),
            settings=spec.planner,
            throttle=throttle,
        )
    )


def _write_page(
    conn: sqlite3.Connection,
    run: repo.RunRecord,
    planned: list[Planned | Skipped],
    now: datetime,
) -> tuple[int, int]:
    queued = skipped = 0
    for item in planned:
        if isinstance(item, Planned):
            row = marketing_row(item, "campaign", run.id)
            if insert_queued(conn, row, now) is not None:
                queued += 1
                continue
            # The key exists: another contact of this run has the same number.
            item = Skipped(
                item.contact_id, item.phone, "duplicate", "same number as another contact"
            )
        repo.record_skip(conn, run.id, item, now)
        skipped += 1
    return queued, skipped


def _finish(
    conn: sqlite3.Connection,
    campaign: repo.CampaignRecord,
    run_id: int,
    now: datetime,
    detail: str | None,
) -> None:
    repo.finish_run(conn, run_id, "done", now, detail)
    if not campaign.schedule.recurring:
        repo.set_status(conn, campaign.id, "completed", now)

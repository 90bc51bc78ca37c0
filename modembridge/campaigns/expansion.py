"""Expanding a campaign run into outbox rows, streaming and resumable.

The audience is read one keyset page at a time (`batch_size` contacts). Each page is
planned and written in ONE transaction together with the run's cursor (the last contact id
done) and its throttle state, so a run killed at any moment resumes exactly after the last
committed page, and only one page is ever in memory. Idempotency keys
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
    """One page in one transaction: None when more pages follow, else done (True) / stopped."""
    with db.transaction() as conn:
        run = repo.get_run(conn, run_id)
        campaign = repo.get_campaign(conn, run.campaign_id) if run else None
        if run is None or campaign is None or run.status != "running":
            return False
        if campaign.status not in ("scheduled", "completed"):
            return False
        try:
            query = audience_query(conn, campaign.audience)
        except AudienceMissing as exc:
            _finish(conn, campaign, run_id, now, str(exc))
            return True
        rows = read_page(conn, query, run.cursor, spec.batch_size, now)
        if not rows:
            _finish(conn, campaign, run_id, now, None)
            return True
        state = run.throttle or ThrottleState(now)
        throttle = Throttle(spec.limits, replace(state, cursor=max(state.cursor, now)))
        queued, skipped = _write_page(conn, run, campaign, rows, throttle, spec, now)
        repo.save_progress(conn, run_id, rows[-1].contact_id, throttle.state, queued, skipped)
    return None


def _write_page(
    conn: sqlite3.Connection,
    run: repo.RunRecord,
    campaign: repo.CampaignRecord,
    rows: list[AudienceRow],
    throttle: Throttle,
    spec: Expansion,
    now: datetime,
) -> tuple[int, int]:
    queued = skipped = 0
    template = parse_template(campaign.text)
    plan = plan_run(
        rows,
        campaign_id=campaign.id,
        run_at=run.run_at,
        template=template,
        settings=spec.planner,
        throttle=throttle,
    )
    for item in plan:
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

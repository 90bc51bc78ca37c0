"""Campaign runs on a real SQLite file with a frozen clock: who gets what, restarts, kills
mid-run, double triggers, missed runs and the grace period, streaming memory."""

from __future__ import annotations

import threading
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from campaign_data import add_contact, add_list, bulk_list, messages, suppress
from modembridge.campaigns.quiet import SendWindow
from modembridge.campaigns.service import CampaignService
from modembridge.campaigns.settings import AutomationSettings
from modembridge.store import Database

START = datetime(2026, 6, 15, 14, 0, tzinfo=UTC)  # a Monday, 10:00 in New York
FAST = AutomationSettings(modems=((600, 100_000),), batch_size=100)


@dataclass
class Bridge:
    """A database and a campaign service over it, with a clock the test moves."""

    path: Path
    now: datetime
    settings: AutomationSettings = FAST

    def __post_init__(self) -> None:
        self.open()

    def open(self) -> None:
        """(Re)start: a fresh Database and service on the same file, as after a restart."""
        self.db = Database(self.path)
        self.service = CampaignService(self.db, self.settings, clock=lambda: self.now)

    def restart(self) -> None:
        self.db.close()
        self.open()

    @property
    def conn(self):  # type: ignore[no-untyped-def]
        return self.db.connection()


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[Bridge]:
    b = Bridge(tmp_path / "c.db", START)
    yield b
    b.db.close()


def once(bridge: Bridge, audience: dict[str, str], text: str = "Hi {first_name|there}") -> int:
    at = (bridge.now + timedelta(seconds=5)).isoformat()
    body = {"name": "Sale", "text": text, "audience": audience, "schedule": {"at": at}}
    return int(bridge.service.create(body)["id"])


def test_only_subscribed_members_get_it_and_the_others_have_reasons(bridge: Bridge) -> None:
    conn = bridge.conn
    vip, other = add_list(conn, "vip"), add_list(conn, "other")
    add_contact(conn, "+12125550101", first_name="Ana", lists=[vip])
    add_contact(conn, "+12125550102", first_name="Ben", lists=[vip, other])
    add_contact(conn, "+12125550103", "pending", lists=[vip])
    add_contact(conn, "+12125550104", "unsubscribed", lists=[vip])
    add_contact(conn, "+12125550105", "none", lists=[vip])
    add_contact(conn, "+12125550106", lists=[vip])
    suppress(conn, "+12125550106")
    add_contact(conn, "12", lists=[vip])
    add_contact(conn, "(212) 555-0101", lists=[vip])  # the same number as Ana's
    add_contact(conn, "+12125550199", lists=[other])  # not in the list
    campaign_id = once(bridge, {"list": "vip"})

    assert bridge.service.runner.run_due() is False  # not due yet
    assert messages(conn) == []
    bridge.now += timedelta(seconds=6)
    assert bridge.service.runner.run_due() is True

    sent = {m["phone"]: m["text"] for m in messages(conn)}
    assert sent == {
        "+12125550101": "Acme: Hi Ana\nReply STOP to opt out",
        "+12125550102": "Acme: Hi Ben\nReply STOP to opt out",
    }
    body = bridge.service.get(campaign_id)
    assert body["status"] == "completed" and body["runs"][0]["status"] == "done"
    progress = body["progress"]
    assert progress["total"] == 8 and progress["queued"] == 2 and progress["skipped"] == 6
    assert progress["skip_reasons"] == {
        "duplicate": 1,
        "invalid_number": 1,
        "not_subscribed": 2,
        "pending": 1,
        "suppressed": 1,
    }


def test_recipients_at_night_are_deferred_not_dropped(bridge: Bridge) -> None:
    conn = bridge.conn
    vip = add_list(conn, "vip")
    add_contact(conn, "+12125550101", lists=[vip])  # New York, 10:00
    add_contact(conn, "+81312345678", lists=[vip])  # Tokyo, 23:00
    add_contact(conn, "+33612345678", timezone="Pacific/Auckland", lists=[vip])  # 02:00 there
    once(bridge, {"list": "vip"})
    bridge.now += timedelta(seconds=5)
    bridge.service.runner.run_due()
    due = {m["phone"]: m["due_at"] for m in messages(conn)}
    assert due["+12125550101"] == "2026-06-15T14:00:05.000000+00:00"
    assert due["+81312345678"] == "2026-06-15T23:00:00.000000+00:00"  # 08:00 JST
    assert due["+33612345678"] == "2026-06-15T20:00:00.000000+00:00"  # 08:00 NZST


def test_kill_mid_run_resumes_at_the_cursor_without_duplicates(bridge: Bridge) -> None:
    vip = add_list(bridge.conn, "vip")
    bulk_list(bridge.conn, vip, 1000)
    campaign_id = once(bridge, {"list": "vip"})
    bridge.now += timedelta(seconds=5)
    bridge.service.runner.run_due(max_batches=3)  # the process "dies" after three pages
    assert len(messages(bridge.conn)) == 300
    assert bridge.service.get(campaign_id)["runs"][0]["status"] == "running"

    bridge.restart()
    bridge.now += timedelta(seconds=30)
    bridge.service.runner.run_due()
    rows = messages(bridge.conn)
    assert len(rows) == 1000
    assert len({m["phone"] for m in rows}) == 1000
    dues = [m["due_at"] for m in rows]
    assert dues == sorted(dues)  # the slot clock continued where it stopped
    body = bridge.service.get(campaign_id)
    assert body["runs"][0]["status"] == "done" and body["progress"]["skipped"] == 0


def test_double_trigger_from_two_threads_plans_once(bridge: Bridge) -> None:
    vip = add_list(bridge.conn, "vip")
    bulk_list(bridge.conn, vip, 400)
    once(bridge, {"list": "vip"})
    bridge.now += timedelta(seconds=5)
    threads = [threading.Thread(target=bridge.service.runner.run_due) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bridge.service.runner.run_due()
    bridge.restart()
    bridge.service.runner.run_due()
    assert len(messages(bridge.conn)) == 400
    runs = bridge.conn.execute("SELECT status, COUNT(*) FROM campaign_runs GROUP BY status")
    assert dict(runs.fetchall()) == {"done": 1}


def test_recurring_campaign_survives_a_restart_between_runs(bridge: Bridge) -> None:
    vip = add_list(bridge.conn, "vip")
    for i in range(3):
        add_contact(bridge.conn, f"+3361234567{i}", lists=[vip])
    bridge.now = datetime(2026, 3, 23, 8, 55, tzinfo=UTC)  # Monday 09:55 CET
    weekly = {"cron": "0 10 * * MON", "timezone": "Europe/Paris"}
    body = {"name": "Newsletter", "text": "News", "audience": {"list": "vip"}, "schedule": weekly}
    campaign_id = bridge.service.create(body)["id"]
    assert bridge.service.get(campaign_id)["next_run_at"] == "2026-03-23T09:00:00.000000+00:00"

    bridge.now = datetime(2026, 3, 23, 9, 0, 1, tzinfo=UTC)
    bridge.service.runner.run_due()
    bridge.restart()
    assert bridge.service.get(campaign_id)["next_run_at"] == "2026-03-30T08:00:00.000000+00:00"
    bridge.service.runner.run_due()  # the restart alone plans nothing
    assert len(messages(bridge.conn)) == 3

    bridge.now = datetime(2026, 3, 30, 8, 0, 2, tzinfo=UTC)  # 10:00 CEST, after the change
    bridge.service.runner.run_due()
    keys = Counter(m["idempotency_key"].rsplit(":", 1)[0] for m in messages(bridge.conn))
    assert keys == {
        f"campaign:{campaign_id}:2026-03-23T09:00:00.000000+00:00": 3,
        f"campaign:{campaign_id}:2026-03-30T08:00:00.000000+00:00": 3,
    }
    statuses = [r["status"] for r in bridge.service.get(campaign_id)["runs"]]
    assert statuses == ["planned", "done", "done"]


def test_late_run_within_grace_runs_and_older_ones_are_missed(bridge: Bridge) -> None:
    vip = add_list(bridge.conn, "vip")
    add_contact(bridge.conn, "+12125550101", lists=[vip])
    daily = {"cron": "0 10 * * *", "timezone": "UTC"}
    body = {"name": "Daily", "text": "Hi", "audience": {"list": "vip"}, "schedule": daily}
    bridge.now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    campaign_id = bridge.service.create(body)["id"]

    bridge.now = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)  # down for 30 minutes: still runs
    bridge.service.runner.run_due()
    bridge.now = datetime(2026, 6, 4, 12, 0, tzinfo=UTC)  # down for three days
    bridge.service.runner.run_due()
    runs = bridge.service.get(campaign_id)["runs"]
    assert [(r["run_at"][:13], r["status"]) for r in runs] == [
        ("2026-06-05T10", "planned"),
        ("2026-06-04T10", "missed"),
        ("2026-06-03T10", "missed"),
        ("2026-06-02T10", "missed"),
        ("2026-06-01T10", "done"),
    ]
    assert len(messages(bridge.conn)) == 1

    once_id = once(bridge, {"list": "vip"})
    bridge.now += timedelta(hours=2)
    bridge.service.runner.run_due()
    assert bridge.service.get(once_id)["status"] == "completed"
    assert bridge.service.get(once_id)["runs"][0]["status"] == "missed"


def test_grace_period_is_a_setting(tmp_path: Path) -> None:
    bridge = Bridge(tmp_path / "g.db", START, AutomationSettings(grace=timedelta(hours=6)))
    vip = add_list(bridge.conn, "vip")
    add_contact(bridge.conn, "+12125550101", lists=[vip])
    campaign_id = once(bridge, {"list": "vip"})
    bridge.now += timedelta(hours=5)
    bridge.service.runner.run_due()
    assert bridge.service.get(campaign_id)["runs"][0]["status"] == "done"
    bridge.db.close()


def _peak_while_running(bridge: Bridge, count: int) -> int:
    vip = add_list(bridge.conn, f"l{count}")
    bulk_list(bridge.conn, vip, count, start=count * 10)
    once(bridge, {"list": f"l{count}"})
    bridge.now += timedelta(seconds=5)
    tracemalloc.start()
    try:
        bridge.service.runner.run_due()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_expansion_memory_does_not_grow_with_the_audience(tmp_path: Path) -> None:
    small = _peak_while_running(Bridge(tmp_path / "s.db", START), 1_000)
    large = _peak_while_running(Bridge(tmp_path / "l.db", START), 8_000)
    assert len(messages(Database(tmp_path / "l.db").connection())) == 8_000
    # Eight times the recipients, about the same peak: one page (100 rows) at a time.
    assert large < small * 1.5, (small, large)


def test_quiet_window_setting_reaches_the_plan(tmp_path: Path) -> None:
    always = AutomationSettings(window=SendWindow(0, 24 * 60), modems=((600, 100_000),))
    bridge = Bridge(tmp_path / "w.db", START, always)
    vip = add_list(bridge.conn, "vip")
    add_contact(bridge.conn, "+81312345678", lists=[vip])  # 23:00 in Tokyo, but no quiet hours
    once(bridge, {"list": "vip"})
    bridge.now += timedelta(seconds=5)
    bridge.service.runner.run_due()
    assert messages(bridge.conn)[0]["due_at"] == "2026-06-15T14:00:05.000000+00:00"
    bridge.db.close()

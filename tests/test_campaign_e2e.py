"""Campaigns end to end: `modembridge run` against `modembridge simulator` over HTTP.

The send window is opened to the whole day ([compliance] quiet_hours = "00:00-24:00") so
the result does not depend on the hour the suite runs; quiet hours are covered with a
frozen clock in test_campaign_runs.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from campaign_data import add_contact, add_list, suppress
from modembridge.store import Database
from procs import ServiceProcess, SimProcess, wait_until

SUBSCRIBED = [f"+1212555{1000 + i}" for i in range(4)]
OTHERS = {"+12125559001": "pending", "+12125559002": "unsubscribed", "+12125559003": "none"}


def prepare(service: ServiceProcess, subscribed: list[str]) -> None:
    """Open the send window, and write the list before the service starts."""
    with service.config.open("a") as config:
        config.write('[compliance]\nquiet_hours = "00:00-24:00"\nmarketing_per_day = 10\n')
    db = Database(service.folder / "bridge.db")
    conn = db.connection()
    vip = add_list(conn, "vip")
    for i, phone in enumerate(subscribed):
        add_contact(conn, phone, first_name=f"P{i}", lists=[vip])
    for phone, status in OTHERS.items():
        add_contact(conn, phone, status, lists=[vip])
    suppress(conn, "+12125559002")  # opted out with STOP
    db.close()


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimProcess]:
    process = SimProcess(tmp_path / "sim", "--sms-latency", "0.3")
    yield process
    process.stop()


def at(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def campaign(service: ServiceProcess, campaign_id: int) -> dict[str, Any]:
    body: dict[str, Any] = service.api(f"/api/v1/campaigns/{campaign_id}")
    return body


def settled(service: ServiceProcess, campaign_id: int) -> bool:
    progress = campaign(service, campaign_id)["progress"]
    return progress["total"] > 0 and progress["queued"] == progress["held"] == 0


def test_campaign_five_seconds_ahead_reaches_exactly_the_subscribed(
    tmp_path: Path, sim: SimProcess
) -> None:
    service = ServiceProcess(tmp_path / "svc", [("main", str(sim.link))])
    prepare(service, SUBSCRIBED)
    service.create_token()
    service.start()
    try:
        body = {"name": "Flash sale", "text": "Hi {first_name}, 30% off until midnight",
                "audience": {"list": "vip"}, "schedule": {"at": at(5)}}  # fmt: skip
        created = service.api("/api/v1/campaigns", body)
        assert created["status"] == "scheduled", created
        assert created["eta"]["recipients"] == len(SUBSCRIBED)
        wait_until(lambda: settled(service, created["id"]), 60, "the campaign sent")
        sent = sim.get("/sent")
        assert Counter(m["to"] for m in sent) == Counter(SUBSCRIBED)
        for message in sent:
            name = f"P{SUBSCRIBED.index(message['to'])}"
            text = f"Acme: Hi {name}, 30% off until midnight\nReply STOP to opt out"
            assert message["text"] == text
        final = campaign(service, created["id"])
        assert final["status"] == "completed"
        (run,) = final["runs"]
        assert run["started_at"] >= run["run_at"] == created["next_run_at"]  # not before
        assert final["progress"]["sent"] == len(SUBSCRIBED)
        assert final["progress"]["skip_reasons"] == {
            "not_subscribed": 1,
            "pending": 1,
            "suppressed": 1,
        }
    finally:
        assert service.stop() == 0


def test_recurring_campaign_restart_and_kill_never_double_send(
    tmp_path: Path, sim: SimProcess
) -> None:
    phones = [f"+1212555{2000 + i}" for i in range(12)]
    service = ServiceProcess(tmp_path / "svc", [("main", str(sim.link))])
    prepare(service, phones)
    service.create_token()
    service.start()
    body = {"name": "Every minute", "text": "Tick", "audience": {"list": "vip"},
            "schedule": {"cron": "* * * * *", "timezone": "Europe/Paris"}}  # fmt: skip
    created = service.api("/api/v1/campaigns", body)
    first_run = datetime.fromisoformat(created["next_run_at"])
    assert service.stop() == 0  # down across the run time: caught up at start (grace 1 h)
    wait_until(lambda: datetime.now(UTC) > first_run + timedelta(seconds=1), 70, "run time")

    service.start()
    wait_until(lambda: len(sim.get("/sent")) >= 3, 60, "the run sending")
    service.kill()  # kill -9 in the middle of the run
    assert len(sim.get("/sent")) < len(phones)
    service.start()
    try:
        wait_until(lambda: settled(service, created["id"]), 60, "the run finished")
        service.api(f"/api/v1/campaigns/{created['id']}/cancel", {})
        runs = [r for r in campaign(service, created["id"])["runs"] if r["started_at"]]
        assert runs[-1]["run_at"] == created["next_run_at"] and runs[-1]["status"] == "done"
        sent = Counter(m["to"] for m in sim.get("/sent"))
        assert max(sent.values()) <= len(runs)  # nobody got a run twice
        progress = campaign(service, created["id"])["progress"]
        # Only the message in flight at the kill may be `unknown` (counted as failed): maybe
        # sent, never retried. Everything the bridge calls sent reached the simulator.
        assert progress["failed"] <= len(runs)
        assert len(phones) - len(set(sent) & set(phones)) <= progress["failed"]
        listed = service.api("/api/v1/messages?direction=out&status=sent&limit=1000")
        assert {m["to"] for m in listed["messages"]} <= set(sent)
    finally:
        assert service.stop() == 0

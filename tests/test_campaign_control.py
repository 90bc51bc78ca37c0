"""Pause, resume and cancel; frequency caps across campaigns; tag and segment audiences;
the quiet-hours sweep over due marketing. Real SQLite file, frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from campaign_data import add_contact, add_list, bulk_list, messages
from modembridge.campaigns import control
from modembridge.campaigns.service import CampaignService
from modembridge.campaigns.settings import AutomationSettings
from modembridge.clock import from_iso, to_iso
from modembridge.store import Database
from modembridge.store.outbox import NewMessage, OutboxRepository
from modembridge.validation import ValidationError

START = datetime(2026, 6, 15, 14, 0, tzinfo=UTC)  # 10:00 in New York


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[CampaignService, Clock]]:
    clock = Clock()
    db = Database(tmp_path / "c.db")
    settings = AutomationSettings(modems=((60, 100_000),), batch_size=50)
    yield CampaignService(db, settings, clock=clock), clock
    db.close()


def launch(service: CampaignService, clock: Clock, audience: dict[str, str], **run: int) -> int:
    at = to_iso(clock.now + timedelta(seconds=1))
    body = {"name": "C", "text": "Sale", "audience": audience, "schedule": {"at": at}}
    campaign_id = int(service.create(body)["id"])
    clock.now += timedelta(seconds=1)
    service.runner.run_due(max_batches=run.get("batches"))
    return campaign_id


def statuses(service: CampaignService) -> dict[str, int]:
    rows = service.db.connection().execute(
        "SELECT status, COUNT(*) FROM messages WHERE source = 'campaign' GROUP BY status"
    )
    return dict(rows.fetchall())


def test_pause_holds_resume_shifts_and_releases(env: tuple[CampaignService, Clock]) -> None:
    service, clock = env
    vip = add_list(service.db.connection(), "vip")
    bulk_list(service.db.connection(), vip, 10)
    campaign_id = launch(service, clock, {"list": "vip"})
    before = {m["id"]: from_iso(m["due_at"]) for m in messages(service.db.connection())}

    paused = service.pause(campaign_id)
    assert paused["status"] == "paused" and paused["progress"]["held"] == 10
    outbox = OutboxRepository(service.db)
    assert outbox.claim("main", clock.now + timedelta(hours=1), frozenset({"main"})) is None
    with pytest.raises(ValidationError) as conflict:
        service.pause(campaign_id)
    assert conflict.value.status == 409

    clock.now += timedelta(minutes=30)
    resumed = service.resume(campaign_id)
    assert resumed["status"] == "completed" and resumed["progress"]["queued"] == 10
    after = {m["id"]: from_iso(m["due_at"]) for m in messages(service.db.connection())}
    assert all(after[i] == before[i] + timedelta(minutes=30) for i in before)
    assert outbox.claim("main", clock.now + timedelta(hours=1), frozenset({"main"})) is not None
    history = service.db.connection().execute(
        "SELECT status, detail FROM status_history WHERE message_id = ? ORDER BY id",
        (min(before),),
    )
    assert [tuple(r) for r in history] == [
        ("queued", None), ("held", "campaign paused"), ("queued", "campaign resumed"),
        ("sending", "main"),
    ]  # fmt: skip


def test_resume_never_releases_into_quiet_hours(env: tuple[CampaignService, Clock]) -> None:
    service, clock = env
    vip = add_list(service.db.connection(), "vip")
    add_contact(service.db.connection(), "+12125550101", lists=[vip])
    campaign_id = launch(service, clock, {"list": "vip"})
    service.pause(campaign_id)
    clock.now = datetime(2026, 6, 16, 3, 0, tzinfo=UTC)  # 23:00 in New York
    service.resume(campaign_id)
    (message,) = messages(service.db.connection())
    assert message["due_at"] == "2026-06-16T12:00:00.000000+00:00"  # 08:00 the next morning


def test_pause_mid_expansion_stops_it_and_resume_finishes(
    env: tuple[CampaignService, Clock],
) -> None:
    service, clock = env
    vip = add_list(service.db.connection(), "vip")
    bulk_list(service.db.connection(), vip, 200)
    campaign_id = launch(service, clock, {"list": "vip"}, batches=1)
    service.pause(campaign_id)
    service.runner.run_due()  # a paused campaign's run does not go on
    assert statuses(service) == {"held": 50}
    service.resume(campaign_id)
    assert statuses(service) == {"queued": 50}
    service.runner.run_due()
    body = service.get(campaign_id)
    assert statuses(service) == {"queued": 200} and body["status"] == "completed"
    assert body["eta"]["basis"] == "queue"


def test_cancel_suppresses_what_is_left_and_stops_runs(env: tuple[CampaignService, Clock]) -> None:
    service, clock = env
    vip = add_list(service.db.connection(), "vip")
    bulk_list(service.db.connection(), vip, 120)
    campaign_id = launch(service, clock, {"list": "vip"}, batches=1)
    service.pause(campaign_id)
    body = service.cancel(campaign_id)
    assert body["status"] == "cancelled" and body["progress"]["suppressed"] == 50
    assert body["runs"][0]["status"] == "cancelled" and body["eta"] is None
    errors = service.db.connection().execute("SELECT DISTINCT error FROM messages")
    assert [r[0] for r in errors] == ["campaign cancelled"]
    service.runner.run_due()
    assert statuses(service) == {"suppressed": 50}
    for action in (service.cancel, service.resume):
        with pytest.raises(ValidationError) as conflict:
            action(campaign_id)
        assert conflict.value.status == 409
    with pytest.raises(ValidationError) as missing:
        service.pause(999)
    assert missing.value.status == 404


def test_frequency_cap_spans_campaigns(env: tuple[CampaignService, Clock]) -> None:
    service, clock = env
    vip = add_list(service.db.connection(), "vip")
    add_contact(service.db.connection(), "+12125550101", lists=[vip])
    ids = [launch(service, clock, {"list": "vip"}) for _ in range(4)]
    reasons = [service.progress(i)["skip_reasons"] for i in ids]
    assert reasons == [{}, {}, {}, {"frequency_cap": 1}]
    OutboxRepository(service.db).enqueue(  # transactional traffic does not count
        NewMessage("+12125550199", "Order shipped", "transactional", "gsm7", 1), clock.now
    )
    clock.now += timedelta(hours=25)
    assert service.progress(launch(service, clock, {"list": "vip"}))["queued"] == 1


def test_tag_and_segment_audiences(env: tuple[CampaignService, Clock]) -> None:
    service, clock = env
    conn = service.db.connection()
    add_contact(conn, "+12125550101", fields={"city": "Lyon"}, tags=["vip"])
    add_contact(conn, "+12125550102", fields={"city": "Lyon"}, tags=["vip", "churned"])
    add_contact(conn, "+12125550103", "pending", fields={"city": "Lyon"})
    add_contact(conn, "+12125550104", fields={"city": "Paris"}, first_name="Zoe")
    tagged = launch(service, clock, {"tag": "vip"})
    assert service.progress(tagged)["queued"] == 2

    filters = [
        {"field": "fields.city", "op": "in", "value": ["Lyon", "Nice"]},
        {"field": "tag", "op": "ne", "value": "churned"},
        {"field": "subscription", "op": "in", "value": ["subscribed", "pending"]},
    ]
    segment = service.create_segment({"name": "lyon", "filters": filters})
    assert segment["eligible"] == 1  # the pending one matches but may not get marketing
    lyon = launch(service, clock, {"segment": "lyon"})
    assert service.progress(lyon)["skip_reasons"] == {"pending": 1}
    by_name = [{"field": "first_name", "op": "starts_with", "value": "Zo"}]
    assert service.create_segment({"name": "z", "filters": by_name})["eligible"] == 1
    with pytest.raises(ValidationError) as taken:
        service.create_segment({"name": "lyon", "filters": filters})
    assert taken.value.status == 409
    for bad in ([], [{"field": "password", "op": "eq", "value": 1}],
                [{"field": "fields.a'b", "op": "eq", "value": 1}],
                [{"field": "tag", "op": "contains", "value": "x"}],
                [{"field": "subscription", "op": "eq", "value": "maybe"}]):  # fmt: skip
        with pytest.raises(ValidationError):
            service.create_segment({"name": "bad", "filters": bad})


def test_quiet_sweep_defers_due_marketing_at_night(env: tuple[CampaignService, Clock]) -> None:
    service, clock = env
    vip = add_list(service.db.connection(), "vip")
    add_contact(service.db.connection(), "+12125550101", lists=[vip])
    launch(service, clock, {"list": "vip"})
    OutboxRepository(service.db).enqueue(
        NewMessage("+12125550101", "Your code is 1234", "transactional", "gsm7", 1), clock.now
    )
    clock.now = datetime(2026, 6, 16, 2, 0, tzinfo=UTC)  # the modem was down until 22:00 NY
    with service.db.transaction() as conn:
        moved = control.defer_quiet_hours(conn, service.planner, clock.now)
    assert moved == 1
    dues = service.db.connection().execute("SELECT kind, due_at FROM messages ORDER BY id")
    assert [tuple(r) for r in dues] == [
        ("marketing", "2026-06-16T12:00:00.000000+00:00"),
        ("transactional", "2026-06-15T14:00:01.000000+00:00"),
    ]

"""Store repositories on a real SQLite file: inbound persistence, outbox, delivery reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modembridge.sms import (
    Deliver,
    StatusReport,
    decode_pdu,
    encode_deliver_pdus,
    encode_status_report,
)
from modembridge.store import Database
from modembridge.store.delivery import DeliveryRepository
from modembridge.store.inbound import InboundRepository
from modembridge.store.outbox import IdempotencyConflict, NewMessage, OutboxRepository

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "q.db")
    yield database  # type: ignore[misc]
    database.close()


def delivers(sender: str, text: str, ref: int = 5, at: datetime = T0) -> list[Deliver]:
    parts = [decode_pdu(p) for p in encode_deliver_pdus(sender, text, timestamp=at, reference=ref)]
    assert all(isinstance(p, Deliver) for p in parts)
    return parts  # type: ignore[return-value]


def inbound_texts(db: Database) -> list[tuple[str, str, int]]:
    rows = db.connection().execute(
        "SELECT phone, text, incomplete FROM messages WHERE direction = 'in' ORDER BY id"
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_single_part_is_stored_once_even_if_read_twice(db: Database) -> None:
    repo = InboundRepository(db)
    (sms,) = delivers("+15550001111", "DISCOUNT")
    first = repo.persist_deliver("main", sms, T0)
    again = repo.persist_deliver("main", sms, T0 + timedelta(seconds=5))
    assert not first.duplicate and first.message_id is not None
    assert again.duplicate
    assert inbound_texts(db) == [("+15550001111", "DISCOUNT", 0)]


def test_two_identical_texts_stay_two_messages(db: Database) -> None:
    repo = InboundRepository(db)
    (one,) = delivers("+15550001111", "YES", at=T0)
    (two,) = delivers("+15550001111", "YES", at=T0 + timedelta(seconds=30))
    repo.persist_deliver("main", one, T0)
    repo.persist_deliver("main", two, T0)
    assert inbound_texts(db) == [("+15550001111", "YES", 0)] * 2


def test_multipart_out_of_order_across_restart(db: Database, tmp_path: Path) -> None:
    text = "Long message with emoji 🎉 " * 12
    parts = delivers("+15550002222", text, ref=42)
    assert len(parts) >= 3
    repo = InboundRepository(db)
    assert repo.persist_deliver("main", parts[2], T0).message_id is None
    db.close()
    reopened = Database(tmp_path / "q.db")
    repo = InboundRepository(reopened)
    assert repo.persist_deliver("main", parts[0], T0).message_id is None
    for part in parts[1:2] + parts[3:]:
        result = repo.persist_deliver("main", part, T0)
    assert result.message_id is not None
    assert inbound_texts(reopened) == [("+15550002222", text, 0)]
    reopened.close()


def test_incomplete_multipart_is_delivered_flagged_after_timeout(db: Database) -> None:
    parts = delivers("+15550003333", "x" * 400, ref=9)
    repo = InboundRepository(db)
    repo.persist_deliver("main", parts[0], T0)
    assert repo.expire_incomplete(T0 + timedelta(minutes=5), timedelta(hours=1)) == []
    created = repo.expire_incomplete(T0 + timedelta(hours=2), timedelta(hours=1))
    assert len(created) == 1
    assert inbound_texts(db) == [("+15550003333", parts[0].text, 1)]


def test_undecodable_pdu_is_kept(db: Database) -> None:
    repo = InboundRepository(db)
    result = repo.persist_undecodable("main", "07FFZZ", "bad hex", T0)
    assert result.message_id is not None
    row = db.connection().execute("SELECT error FROM messages").fetchone()
    assert row["error"] == "bad hex"


def new(text: str = "hi", phone: str = "+15551234567", **kw: object) -> NewMessage:
    fields: dict[str, object] = {
        "phone": phone,
        "text": text,
        "kind": "transactional",
        "encoding": "gsm7",
        "segments": 1,
    }
    fields.update(kw)
    return NewMessage(**fields)  # type: ignore[arg-type]


def test_idempotency_key_returns_same_message_and_conflicts_on_change(db: Database) -> None:
    outbox = OutboxRepository(db)
    first, created = outbox.enqueue(new(idempotency_key="k1"), T0)
    again, created_again = outbox.enqueue(new(idempotency_key="k1"), T0)
    assert created and not created_again and again.id == first.id
    with pytest.raises(IdempotencyConflict):
        outbox.enqueue(new(text="other", idempotency_key="k1"), T0)


def test_claim_prefers_transactional_and_respects_send_at(db: Database) -> None:
    outbox = OutboxRepository(db)
    with db.transaction() as conn:  # marketing goes only to subscribed contacts
        conn.execute(
            "INSERT INTO contacts (phone, subscription, created_at, updated_at)"
            " VALUES ('+15551234567', 'subscribed', '', '')"
        )
    marketing, _ = outbox.enqueue(new(kind="marketing"), T0)
    later, _ = outbox.enqueue(new(send_at=T0 + timedelta(hours=1)), T0)
    urgent, _ = outbox.enqueue(new(), T0 + timedelta(seconds=1))
    up = frozenset({"main"})
    now = T0 + timedelta(seconds=2)
    claimed = [outbox.claim("main", now, up), outbox.claim("main", now, up)]
    assert [c.record.id for c in claimed if c] == [urgent.id, marketing.id]
    assert outbox.claim("main", now, up) is None
    late = outbox.claim("main", T0 + timedelta(hours=2), up)
    assert late is not None and late.record.id == later.id


def test_sticky_contact_waits_for_its_modem_while_it_is_up(db: Database) -> None:
    outbox = OutboxRepository(db)
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO contacts (phone, last_modem, created_at, updated_at)"
            " VALUES ('+15551234567', 'b', '', '')"
        )
    message, _ = outbox.enqueue(new(), T0)
    assert outbox.claim("a", T0, frozenset({"a", "b"})) is None
    claimed = outbox.claim("a", T0, frozenset({"a"}))  # b is down: a takes the work
    assert claimed is not None and claimed.record.id == message.id


def test_interrupted_send_is_requeued_or_unknown(db: Database) -> None:
    outbox = OutboxRepository(db)
    before, _ = outbox.enqueue(new("never written"), T0)
    during, _ = outbox.enqueue(new("written"), T0)
    up = frozenset({"main"})
    assert outbox.claim("main", T0, up) is not None
    claimed = outbox.claim("main", T0, up)
    assert claimed is not None
    outbox.part_submitting(claimed.record.id, 1, "main", T0)
    assert outbox.recover_interrupted(T0) == (1, 1)
    statuses = dict(db.connection().execute("SELECT id, status FROM messages").fetchall())
    assert statuses == {before.id: "queued", during.id: "unknown"}


def report(mr: int, status: int, at: datetime) -> StatusReport:
    decoded = decode_pdu(
        encode_status_report(mr, "+15551234567", timestamp=at, discharge_time=at, status=status)
    )
    assert isinstance(decoded, StatusReport)
    return decoded


def send_all_parts(outbox: OutboxRepository, segments: int, mrs: list[int], at: datetime) -> int:
    message, _ = outbox.enqueue(new("x", segments=segments), at)
    claimed = outbox.claim("main", at, frozenset({"main"}))
    assert claimed is not None
    for seq, mr in enumerate(mrs, start=1):
        outbox.part_submitting(message.id, seq, "main", at)
        outbox.part_sent(message.id, seq, mr, at)
    outbox.finish(message.id, "sent", None, at)
    return message.id


def test_delivered_only_when_every_part_is(db: Database) -> None:
    outbox, reports = OutboxRepository(db), DeliveryRepository(db)
    message_id = send_all_parts(outbox, 2, [10, 11], T0)
    first = reports.apply("main", report(10, 0x00, T0), T0)
    assert first.message_id == message_id and first.message_status == "sent"
    second = reports.apply("main", report(11, 0x00, T0), T0)
    assert second.message_status == "delivered"
    assert reports.apply("main", report(11, 0x00, T0), T0).duplicate


def test_mr_wraparound_matches_the_newest_part(db: Database) -> None:
    outbox, reports = OutboxRepository(db), DeliveryRepository(db)
    old = send_all_parts(outbox, 1, [7], T0 - timedelta(days=5))
    recent = send_all_parts(outbox, 1, [7], T0)
    result = reports.apply("main", report(7, 0x00, T0 + timedelta(seconds=1)), T0)
    assert result.message_id == recent != old


def test_pending_keeps_sent_and_permanent_failure_fails(db: Database) -> None:
    outbox, reports = OutboxRepository(db), DeliveryRepository(db)
    message_id = send_all_parts(outbox, 1, [3], T0)
    assert reports.apply("main", report(3, 0x20, T0), T0).message_status == "sent"
    failed = reports.apply("main", report(3, 0x41, T0 + timedelta(minutes=1)), T0)
    assert failed.message_id == message_id and failed.message_status == "failed"

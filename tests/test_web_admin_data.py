"""The admin page's reads on a real SQLite file: dashboard figures, chart, inbox, preview."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modembridge.admin.chart import build_chart, nice_ceiling
from modembridge.admin.inbox import Inbox
from modembridge.admin.simulator import PanelError, SimulatorPanel
from modembridge.admin.stats import DashboardStats, DayCounts, ModemCard, alerts_for, signal_bars
from modembridge.modem.status import ModemStatus
from modembridge.services import Services, ServiceSettings
from modembridge.simulator import registry
from modembridge.simulator.state import SimConfig
from modembridge.sms import Deliver, decode_pdu, encode_deliver_pdus
from modembridge.store import Database
from modembridge.store.inbound import InboundRepository
from modembridge.store.outbox import NewMessage, OutboxRepository, set_status
from modembridge.validation import ValidationError

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # noon UTC: the same date in most zones


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "admin.db")
    yield database
    database.close()


def queue(db: Database, phone: str, text: str, at: datetime) -> int:
    new = NewMessage(phone=phone, text=text, kind="transactional", encoding="gsm7", segments=1)
    record, _ = OutboxRepository(db).enqueue(new, at)
    return record.id


def change(db: Database, message_id: int, status: str, at: datetime) -> None:
    with db.transaction() as conn:
        set_status(conn, message_id, status, None, at)


def receive(db: Database, phone: str, text: str, at: datetime, ref: int = 1) -> int:
    pdus = encode_deliver_pdus(phone, text, timestamp=at, reference=ref)
    (sms,) = [decode_pdu(p) for p in pdus]
    assert isinstance(sms, Deliver)
    result = InboundRepository(db).persist_deliver("main", sms, at, phone)
    assert result.message_id is not None
    return result.message_id


def stats(
    db: Database, *snapshots: ModemStatus, caps: dict[str, int] | None = None
) -> DashboardStats:
    return DashboardStats(
        db,
        lambda: list(snapshots),
        daily_caps=caps or {},
        modem_ports={"main": "sim://?name=x", "usb": "/dev/ttyUSB2"},
        clock=lambda: T0,
    )


def test_messages_per_day(db: Database) -> None:
    board = stats(db)
    assert all(d == DayCounts(d.day) for d in board.daily(30))  # nothing yet (and cached)
    a = queue(db, "+15551230001", "a", T0 - timedelta(days=2))
    change(db, a, "sending", T0 - timedelta(days=2))
    change(db, a, "sent", T0 - timedelta(days=2))
    change(db, a, "delivered", T0 - timedelta(days=1))
    b = queue(db, "+15551230002", "b", T0)
    change(db, b, "failed", T0)
    c = queue(db, "+15551230003", "c", T0 - timedelta(days=40))  # before the window
    change(db, c, "sent", T0 - timedelta(days=40))
    receive(db, "+15551230004", "hello", T0 - timedelta(days=1))
    receive(db, "+15551230004", "again", T0, ref=2)

    days = board.daily(30)  # new rows: not the cached answer
    assert len(days) == 30 and days[-1].day == T0.astimezone().date()
    assert days[0].day == days[-1].day - timedelta(days=29)
    nonzero = {
        d.day: (d.sent, d.delivered, d.failed, d.received) for d in days if d != DayCounts(d.day)
    }
    today = days[-1].day
    assert nonzero == {
        today - timedelta(days=2): (1, 0, 0, 0),
        today - timedelta(days=1): (0, 1, 0, 1),
        today: (0, 0, 1, 1),
    }


def test_modem_cards_and_alerts(db: Database) -> None:
    for i in range(3):  # three parts handed to the network today by "main"
        message_id = queue(db, f"+1555123000{i}", "x", T0)
        OutboxRepository(db).part_submitting(message_id, 1, "main", T0)
        OutboxRepository(db).part_sent(message_id, 1, i, T0)
        change(db, message_id, "sent", T0)
    queue(db, "+15551239999", "waiting", T0)
    main = ModemStatus(
        name="main",
        state="ready",
        signal_dbm=-85,
        operator="SimNet",
        storage_used=17,
        storage_total=20,
        manufacturer="ModemBridge",
        model="SIM-1",
    )
    usb = ModemStatus(name="usb", state="reconnecting", last_error="port vanished")
    board = stats(db, main, usb, caps={"main": 3, "usb": 400})
    cards = board.cards()
    assert [c.name for c in cards] == ["main", "usb"]
    first = cards[0]
    assert (first.up, first.bars, first.parts_today, first.daily_cap) == (True, 2, 3, 3)
    assert first.simulated and not cards[1].simulated
    assert first.device == "ModemBridge SIM-1"
    assert board.unassigned_queue() == 1
    assert [(a.level, a.modem, a.text) for a in alerts_for(cards)] == [
        ("error", "usb", "modem is reconnecting: port vanished"),
        ("warning", "main", "SIM storage nearly full (17/20)"),
        ("warning", "main", "daily cap reached (3 parts)"),
    ]


@pytest.mark.parametrize(
    ("dbm", "bars"), [(None, 0), (-113, 0), (-105, 1), (-94, 1), (-93, 2), (-83, 3), (-51, 4)]
)
def test_signal_bars(dbm: int | None, bars: int) -> None:
    assert signal_bars(dbm) == bars


def test_chart_geometry() -> None:
    first = T0.date() - timedelta(days=29)
    days = [DayCounts(first + timedelta(days=i)) for i in range(30)]
    days[-1] = DayCounts(days[-1].day, sent=7, received=3)
    chart = build_chart(days)
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10"]
    sent = next(line for line in chart.lines if line.series == "sent")
    points = [tuple(map(float, p.split(","))) for p in sent.points.split()]
    assert len(points) == 30 and points[0][0] == chart.left and points[-1][0] == chart.right
    assert points[-1][1] == pytest.approx(chart.bottom - 0.7 * (chart.bottom - chart.top), abs=0.1)
    assert [d.label for d in sent.dots] == [f"{days[-1].day:%d %b}: 7 sent"]
    assert chart.x_ticks[-1].anchor == "end" and len(chart.x_ticks) == 5
    assert chart.summary == "Last 30 days: 7 sent, 0 delivered, 0 failed, 3 received"
    assert [nice_ceiling(v) for v in (0, 4, 5, 11, 39, 41, 150)] == [4, 4, 10, 20, 40, 100, 200]


def test_inbox_threads_unread_and_search(db: Database) -> None:
    inbox = Inbox(db, lambda: T0)
    receive(db, "+15551230010", "first", T0)
    queue(db, "+15551230011", "an offer", T0)  # outbound only
    receive(db, "+15551230012", "100% sure", T0, ref=3)
    receive(db, "+15551230012", "second", T0, ref=4)
    with db.transaction() as conn:
        conn.execute("UPDATE contacts SET name = 'Ada Lovelace' WHERE phone = '+15551230010'")
    threads = inbox.threads()
    assert [t.phone for t in threads] == ["+15551230012", "+15551230011", "+15551230010"]
    assert [t.unread for t in threads] == [2, 0, 1]
    assert threads[0].last_text == "second" and threads[2].name == "Ada Lovelace"
    assert [t.phone for t in inbox.threads(show="replied")] == ["+15551230012", "+15551230010"]
    assert [t.phone for t in inbox.threads(query="lovelace")] == ["+15551230010"]
    assert [t.phone for t in inbox.threads(query="30011")] == ["+15551230011"]
    assert inbox.threads(query="%") == []  # LIKE wildcards are taken literally
    assert inbox.unread_total() == 3
    assert inbox.mark_read("+15551230012") == 2
    assert [t.phone for t in inbox.threads(show="unread")] == ["+15551230010"]
    messages = inbox.messages("+15551230012")
    assert [m.text for m in messages] == ["100% sure", "second"]
    assert not any(m.unread for m in messages)


def test_preview_validates_like_sending(db: Database) -> None:
    services = Services(db, [], ServiceSettings(max_parts=2), clock=lambda: T0)
    preview = services.admin.preview("(555) 123-4567", "Café ‘ok’", "marketing")
    assert (preview.phone, preview.encoding, preview.parts) == ("+15551234567", "ucs2", 1)
    assert preview.ucs2_forcing_chars == ("‘", "’")
    with pytest.raises(ValidationError, match="not a phone number"):
        services.admin.preview("hello", "hi", "transactional")
    with pytest.raises(ValidationError) as too_long:
        services.admin.preview("+15551234567", "x" * 400, "transactional")
    assert too_long.value.status == 413
    assert db.connection().execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0


def test_simulator_panel() -> None:
    panel = SimulatorPanel(
        {"a": "sim://?name=panel-test", "b": "/dev/ttyUSB2", "c": "sim://?name=never-opened"}
    )
    assert panel.modems() == ["a", "c"]
    with pytest.raises(PanelError) as not_sim:
        panel.send_mo("b", "+15550001111", "hi")
    assert not_sim.value.status == 404
    with pytest.raises(PanelError) as not_running:
        panel.sent("c")
    assert not_running.value.status == 503
    registry.get_or_create("panel-test", SimConfig())
    try:
        panel.send_mo("a", "(555) 000-1111", "DISCOUNT")
        assert panel.state("a")["pending_mo"] + panel.state("a")["storage"]["used"] == 1
        with pytest.raises(PanelError, match="non-empty"):
            panel.send_mo("a", "+15550001111", "")
        assert panel.sent("a") == []
    finally:
        registry.remove("panel-test")


def test_card_storage_ratio_without_numbers() -> None:
    card = ModemCard(
        name="m",
        state="connecting",
        up=False,
        signal_dbm=None,
        bars=0,
        operator=None,
        registration=None,
        storage_used=None,
        storage_total=None,
        queue=0,
        parts_today=0,
        daily_cap=None,
        last_error=None,
        device="",
        simulated=False,
    )
    assert card.storage_full_ratio == 0.0
    assert [a.text for a in alerts_for([card])] == ["modem is connecting"]

"""Dashboard figures: one card per modem, alerts, and messages per day for the chart."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol

from modembridge.clock import from_iso, to_iso
from modembridge.store.db import Database
from modembridge.store.outbox import OutboxRepository

UP_STATES = frozenset({"ready", "degraded"})
STORAGE_WARN = 0.8  # SIM storage this full: incoming SMS soon wait in the network
SERIES = ("sent", "delivered", "failed", "received")
LOOKBACK = timedelta(days=30)  # a message sent/delivered in the window was created after this


class ModemSnapshot(Protocol):
    """The fields of a modem status snapshot the dashboard shows."""

    @property
    def name(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def signal_dbm(self) -> int | None: ...
    @property
    def operator(self) -> str | None: ...
    @property
    def registration(self) -> str | None: ...
    @property
    def storage_used(self) -> int | None: ...
    @property
    def storage_total(self) -> int | None: ...
    @property
    def last_error(self) -> str | None: ...
    @property
    def manufacturer(self) -> str | None: ...
    @property
    def model(self) -> str | None: ...


@dataclass(frozen=True)
class ModemCard:
    """What the dashboard shows for one modem."""

    name: str
    state: str
    up: bool
    signal_dbm: int | None
    bars: int
    operator: str | None
    registration: str | None
    storage_used: int | None
    storage_total: int | None
    queue: int
    parts_today: int
    daily_cap: int | None
    last_error: str | None
    device: str
    simulated: bool

    @property
    def storage_full_ratio(self) -> float:
        """How full the SIM storage is, 0..1 (0 when unknown)."""
        if not self.storage_total or self.storage_used is None:
            return 0.0
        return self.storage_used / self.storage_total


@dataclass(frozen=True)
class Alert:
    """A problem worth a banner: `level` is "error" or "warning"."""

    level: str
    modem: str
    text: str


@dataclass(frozen=True)
class DayCounts:
    """Messages of one local day, by series."""

    day: date
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    received: int = 0

    def value(self, series: str) -> int:
        """The count of one of SERIES."""
        count: int = getattr(self, series)
        return count


def signal_bars(dbm: int | None) -> int:
    """0-4 bars, as phones draw them (-73 dBm and better is full signal)."""
    if dbm is None:
        return 0
    for bars, floor in ((4, -73), (3, -83), (2, -93), (1, -105)):
        if dbm >= floor:
            return bars
    return 0


def alerts_for(cards: Sequence[ModemCard]) -> list[Alert]:
    """Modem down, SIM storage nearly full, daily cap reached; errors first."""
    found = []
    for card in cards:
        if not card.up:
            detail = f": {card.last_error}" if card.last_error else ""
            found.append(Alert("error", card.name, f"modem is {card.state}{detail}"))
        if card.storage_full_ratio >= STORAGE_WARN:
            found.append(
                Alert(
                    "warning",
                    card.name,
                    f"SIM storage nearly full ({card.storage_used}/{card.storage_total})",
                )
            )
        if card.daily_cap is not None and card.parts_today >= card.daily_cap:
            found.append(
                Alert("warning", card.name, f"daily cap reached ({card.parts_today} parts)")
            )
    return sorted(found, key=lambda a: a.level != "error")


class DashboardStats:
    """Reads for the dashboard (never waits on a modem: status comes from snapshots)."""

    def __init__(
        self,
        db: Database,
        statuses: Callable[[], Sequence[ModemSnapshot]],
        *,
        daily_caps: Mapping[str, int],
        modem_ports: Mapping[str, str],
        clock: Callable[[], datetime],
    ) -> None:
        """Read messages from `db` and modem snapshots from `statuses()`."""
        self._db = db
        self._outbox = OutboxRepository(db)  # parts today: counted as the pacer counts them
        self._statuses = statuses
        self._caps = daily_caps
        self._ports = modem_ports
        self._clock = clock
        self._daily_cache: tuple[tuple[object, ...], list[DayCounts]] | None = None

    def cards(self) -> list[ModemCard]:
        """One card per configured modem, in configuration order."""
        now = self._clock()
        zone = _local_zone(now)
        midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        queues = self._queue_depths()
        cards = []
        for snap in self._statuses():
            device = " ".join(p for p in (snap.manufacturer, snap.model) if p)
            cards.append(
                ModemCard(
                    name=snap.name,
                    state=snap.state,
                    up=snap.state in UP_STATES,
                    signal_dbm=snap.signal_dbm,
                    bars=signal_bars(snap.signal_dbm),
                    operator=snap.operator,
                    registration=snap.registration,
                    storage_used=snap.storage_used,
                    storage_total=snap.storage_total,
                    queue=queues.get(snap.name, 0),
                    parts_today=self._outbox.parts_sent_since(snap.name, midnight),
                    daily_cap=self._caps.get(snap.name),
                    last_error=snap.last_error,
                    device=device,
                    simulated=self._ports.get(snap.name, "").lower().startswith("sim://"),
                )
            )
        return cards

    def unassigned_queue(self) -> int:
        """Queued messages no modem has taken yet."""
        return self._queue_depths().get("", 0)

    def daily(self, days: int = 30) -> list[DayCounts]:
        """Messages per local day for the last `days` days (today last), zeros included.

        sent/delivered/failed count messages that reached that status that day (from the
        status history); received counts inbound messages stored that day. Messages
        created more than LOOKBACK before the window are left out.
        """
        now = self._clock()
        zone = _local_zone(now)
        today = now.astimezone(zone).date()
        first = today - timedelta(days=days - 1)
        start = datetime(first.year, first.month, first.day, tzinfo=zone)
        conn = self._db.connection()
        # Recomputed only when a message or a status change was added (MAX of a rowid is
        # instant): the page asks every few seconds, the answer rarely changes.
        stamp = (
            today,
            days,
            *conn.execute(
                "SELECT (SELECT MAX(id) FROM messages), (SELECT MAX(id) FROM status_history)"
            ).fetchone(),
        )
        if self._daily_cache is not None and self._daily_cache[0] == stamp:
            return self._daily_cache[1]
        counts: dict[tuple[date, str], int] = {}
        # status_history has no index on `at`: start from the first message created within
        # LOOKBACK before the window (messages.created_at is indexed, ids grow with it), so
        # the scan stays small however long the history gets.
        first_id = conn.execute(
            "SELECT MIN(id) FROM messages WHERE created_at >= ?", (to_iso(start - LOOKBACK),)
        ).fetchone()[0]
        rows = conn.execute(
            "SELECT status, MIN(at) FROM status_history WHERE message_id >= ? AND at >= ?"
            " AND status IN ('sent', 'delivered', 'failed') GROUP BY message_id, status",
            (first_id if first_id is not None else -1, to_iso(start)),
        ).fetchall()
        rows += conn.execute(
            "SELECT 'received', created_at FROM messages WHERE direction = 'in'"
            " AND created_at >= ?",
            (to_iso(start),),
        ).fetchall()
        for series, at in rows:
            key = (from_iso(at).astimezone(zone).date(), series)
            counts[key] = counts.get(key, 0) + 1
        result = [
            DayCounts(day, **{s: counts.get((day, s), 0) for s in SERIES})
            for day in (first + timedelta(days=i) for i in range(days))
        ]
        self._daily_cache = (stamp, result)
        return result

    def _queue_depths(self) -> dict[str, int]:
        rows = self._db.connection().execute(
            "SELECT COALESCE(modem, ''), COUNT(*) FROM messages"
            " WHERE direction = 'out' AND status IN ('queued', 'sending') GROUP BY modem"
        )
        return {name: count for name, count in rows}


def _local_zone(now: datetime) -> tzinfo:
    """The bridge's local time zone (days and the daily cap follow the Pi's clock)."""
    zone = now.astimezone().tzinfo
    assert zone is not None
    return zone

"""ModemStatus: an immutable snapshot the supervisor swaps atomically; readers never wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

State = Literal[
    "connecting",
    "ready",
    "degraded",
    "reconnecting",
    "pin_required",
    "pin_error",
    "puk_required",
    "no_sim",
    "stopped",
]
PIN_STATES: frozenset[str] = frozenset({"pin_required", "pin_error", "puk_required", "no_sim"})


@dataclass(frozen=True)
class ModemStatus:
    """What the web page, the health endpoint and /metrics show about one modem.

    Attributes:
        name: the modem's configured name.
        state: "connecting", "ready", "degraded" (up, but not registered or inbound
            notifications unavailable), "reconnecting", "pin_required", "pin_error",
            "puk_required", "no_sim" or "stopped".
        last_error: the latest problem, one line (kept after recovery, for the page).
        since: when ``state`` was entered (UTC).
        connected_at: when the current session became ready, None while down.
        updated_at: when this snapshot was made.
        commands ... unknown_outcomes: counters since the supervisor started.
    """

    name: str
    state: State = "connecting"
    manufacturer: str | None = None
    model: str | None = None
    revision: str | None = None
    imei: str | None = None
    imsi: str | None = None
    signal_rssi: int | None = None
    signal_dbm: int | None = None
    registration: str | None = None
    operator: str | None = None
    smsc: str | None = None
    storage_used: int | None = None
    storage_total: int | None = None
    last_error: str | None = None
    since: datetime | None = None
    connected_at: datetime | None = None
    updated_at: datetime | None = None
    commands: int = 0
    timeouts: int = 0
    garbage_events: int = 0
    resyncs: int = 0
    reconnects: int = 0
    received: int = 0
    status_reports: int = 0
    persist_failures: int = 0
    sent_parts: int = 0
    send_failures: int = 0
    unknown_outcomes: int = 0

    @property
    def up(self) -> bool:
        """True when the modem can send and receive (ready or degraded)."""
        return self.state in ("ready", "degraded")

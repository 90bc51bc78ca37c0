"""The application API that the web pages, the REST API and the CLI call.

It validates input, writes rows to the store and reads modem status snapshots; it never
touches a port. Modems are nudged through `wake` after new work is queued.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from modembridge.clock import utcnow
from modembridge.numbers import InvalidNumber, normalize
from modembridge.store.db import Database
from modembridge.store.outbox import IdempotencyConflict, NewMessage, OutboxRepository
from modembridge.store.queries import MessageQueries
from modembridge.store.records import MessageRecord
from modembridge.store.tokens import TokenRepository
from modembridge.validation import ValidationError, validate_outbound

UP_STATES = frozenset({"ready", "degraded"})


class ModemStatusView(Protocol):
    """What the services need from a modem status snapshot."""

    @property
    def name(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def signal_dbm(self) -> int | None: ...
    @property
    def operator(self) -> str | None: ...


class StatusSource(Protocol):
    """Anything that returns a modem's latest immutable status snapshot."""

    def status(self) -> ModemStatusView:
        """The current snapshot (never blocks on the modem)."""
        ...


@dataclass(frozen=True)
class ServiceSettings:
    """The parts of the config the services apply."""

    default_region: str = "US"
    max_parts: int = 10


class Services:
    """Application operations over the store and the modems' status snapshots."""

    def __init__(
        self,
        db: Database,
        modems: Sequence[StatusSource],
        settings: ServiceSettings | None = None,
        *,
        wake: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Bind to a database, the modem supervisors and the settings."""
        self.db = db
        self.settings = settings or ServiceSettings()
        self._modems = tuple(modems)
        self._wake = wake
        self._clock = clock
        self.outbox = OutboxRepository(db)
        self.messages = MessageQueries(db)
        self.tokens = TokenRepository(db)

    def send_message(self, fields: dict[str, Any]) -> tuple[MessageRecord, bool]:
        """Validate and queue an outbound message; return it and whether it is new.

        Raises:
            ValidationError: bad input (number, text, kind, time, oversize, key reuse).
        """
        now = self._clock()
        request = validate_outbound(
            to=fields.get("to"),
            text=fields.get("text"),
            kind=fields.get("kind", "transactional"),
            idempotency_key=fields.get("idempotency_key"),
            send_at=fields.get("send_at"),
            validity=fields.get("validity"),
            default_region=self.settings.default_region,
            max_parts=self.settings.max_parts,
            now=now,
        )
        new = NewMessage(
            phone=request.phone,
            text=request.text,
            kind=request.kind,
            encoding=request.plan.encoding.value,
            segments=request.plan.part_count,
            idempotency_key=request.idempotency_key,
            send_at=request.send_at,
            expires_at=request.expires_at,
        )
        try:
            record, created = self.outbox.enqueue(new, now)
        except IdempotencyConflict as exc:
            raise ValidationError("idempotency_conflict", str(exc), 409) from None
        if created:
            self._wake()
        return record, created

    def normalize_party(self, number: str) -> str:
        """A conversation key: E.164 for phone numbers, as given for short codes and names."""
        try:
            return normalize(number, self.settings.default_region)
        except InvalidNumber:
            return number.strip()

    def health(self) -> dict[str, Any]:
        """`ok` when every modem is up, `degraded` when some are, `down` when none is."""
        queues = self._queue_depths()
        modems = []
        for source in self._modems:
            snap = source.status()
            modems.append(
                {
                    "name": snap.name,
                    "state": snap.state,
                    "signal_dbm": snap.signal_dbm,
                    "operator": snap.operator,
                    "queue": queues.get(snap.name, 0),
                }
            )
        up = sum(1 for m in modems if m["state"] in UP_STATES)
        if modems and up == len(modems):
            overall = "ok"
        elif up:
            overall = "degraded"
        else:
            overall = "down"
        return {"status": overall, "modems": modems, "unassigned": queues.get("", 0)}

    def modem_statuses(self) -> list[ModemStatusView]:
        """The latest snapshot of every modem."""
        return [source.status() for source in self._modems]

    def message_counts(self) -> dict[tuple[str, str], int]:
        """(direction, status) -> count, for /metrics."""
        rows = self.db.connection().execute(
            "SELECT direction, status, COUNT(*) FROM messages GROUP BY direction, status"
        )
        return {(d, s): n for d, s, n in rows}

    def _queue_depths(self) -> dict[str, int]:
        rows = self.db.connection().execute(
            "SELECT COALESCE(modem, ''), COUNT(*) FROM messages"
            " WHERE direction = 'out' AND status IN ('queued', 'sending') GROUP BY modem"
        )
        return {name: count for name, count in rows}

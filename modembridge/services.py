"""The application API that the web pages, the REST API and the CLI call.

It validates input, writes rows to the store and reads modem status snapshots; it never
touches a port. Modems are nudged through `wake` after new work is queued.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from modembridge.admin import AdminServices
from modembridge.admin.stats import ModemSnapshot
from modembridge.clock import utcnow
from modembridge.config import ComplianceSettings
from modembridge.contacts.service import ContactsService
from modembridge.numbers import InvalidNumber, normalize
from modembridge.rules.service import RulesService
from modembridge.store.db import Database
from modembridge.store.outbox import IdempotencyConflict, NewMessage, OutboxRepository
from modembridge.store.queries import MessageQueries
from modembridge.store.records import MessageRecord
from modembridge.store.tokens import TokenRepository
from modembridge.validation import ValidationError, validate_outbound

if TYPE_CHECKING:
    from modembridge.campaigns.flow_service import FlowService
    from modembridge.campaigns.service import CampaignService

UP_STATES = frozenset({"ready", "degraded"})


# What the services and pages read from a modem status snapshot (one definition, in admin).
ModemStatusView = ModemSnapshot


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
    # Per modem: the daily part cap and the port URL (dashboard, simulator panel).
    daily_caps: Mapping[str, int] = field(default_factory=dict)
    modem_ports: Mapping[str, str] = field(default_factory=dict)
    # The [compliance] table: brand, double opt-in, keywords (contacts and rules services).
    compliance: ComplianceSettings = field(default_factory=ComplianceSettings)


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
        compliance = replace(self.settings.compliance, default_region=self.settings.default_region)
        self.contacts = ContactsService(db, compliance, wake=wake, clock=clock)
        self.rules = RulesService(db, compliance, max_parts=self.settings.max_parts, clock=clock)
        # Campaigns and flows, attached by modembridge.campaigns.wiring when the bridge runs.
        self.campaigns: CampaignService | None = None
        self.flows: FlowService | None = None
        self.admin = AdminServices(
            db,
            self.modem_statuses,
            default_region=self.settings.default_region,
            max_parts=self.settings.max_parts,
            daily_caps=self.settings.daily_caps,
            modem_ports=self.settings.modem_ports,
            clock=clock,
        )

    def send_message(
        self, fields: dict[str, Any], *, source: str = "api"
    ) -> tuple[MessageRecord, bool]:
        """Validate and queue an outbound message; return it and whether it is new.

        `source` records where it came from ("api", "admin", ...); callers set it, never the
        request body.

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
            source=source,
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

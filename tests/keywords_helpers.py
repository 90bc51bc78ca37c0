"""A real SQLite store with the keyword handler, for repository-level tests (no modem)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from modembridge.config import ComplianceSettings
from modembridge.rules.engine import Decision
from modembridge.rules.handler import InboundHandler, policy_for
from modembridge.services import Services, ServiceSettings
from modembridge.sms import Deliver, decode_pdu, encode_deliver_pdus
from modembridge.store.db import Database
from modembridge.store.inbound import InboundRepository

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class World:
    """Store + services + handler on one file, with a clock the test moves."""

    def __init__(self, folder: Path, **compliance: Any) -> None:
        self.now = T0
        self.db = Database(folder / "keywords.db")
        settings = replace(ComplianceSettings(brand="Acme"), **compliance)
        self.wakes = 0
        self.services = Services(
            self.db, [], ServiceSettings(compliance=settings), wake=self._wake, clock=self.clock
        )
        self.webhook_notes = 0
        self.handler = InboundHandler(
            self.db,
            policy_for(settings),
            wake=self._wake,
            webhooks_queued=self._note_webhook,
            clock=self.clock,
        )
        self.inbound = InboundRepository(self.db)
        self._ref = 0

    def clock(self) -> datetime:
        return self.now

    def _wake(self) -> None:
        self.wakes += 1

    def _note_webhook(self) -> None:
        self.webhook_notes += 1

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def receive(self, sender: str, text: str, *, after: float = 30.0) -> int:
        """Commit an inbound SMS (as the modem sink would) without handling it."""
        self.advance(after)
        self._ref = (self._ref + 1) % 256
        (pdu,) = encode_deliver_pdus(sender, text, timestamp=self.now, reference=self._ref)
        sms = decode_pdu(pdu)
        assert isinstance(sms, Deliver)
        result = self.inbound.persist_deliver("main", sms, self.now, phone=sender)
        assert result.message_id is not None
        return result.message_id

    def mo(self, sender: str, text: str, *, after: float = 30.0) -> Decision | None:
        """An inbound SMS arrives and is handled, as in the bridge."""
        return self.handler.handle(self.receive(sender, text, after=after))

    def rows(self, sql: str, *params: object) -> list[sqlite3.Row]:
        return self.db.connection().execute(sql, params).fetchall()

    def replies(self, phone: str) -> list[str]:
        """Texts of outbound messages to `phone`, oldest first."""
        rows = self.rows(
            "SELECT text FROM messages WHERE direction = 'out' AND phone = ? ORDER BY id", phone
        )
        return [r["text"] for r in rows]

    def status_of(self, message_id: int) -> str:
        return str(self.rows("SELECT status FROM messages WHERE id = ?", message_id)[0][0])

    def send_all(self, at_offset: float = 1.0) -> list[int]:
        """Claim and mark sent everything due (a modem that sends instantly)."""
        sent = []
        self.advance(at_offset)
        while claimed := self.services.outbox.claim("main", self.now, frozenset({"main"})):
            self.services.outbox.finish(claimed.record.id, "sent", None, self.now)
            sent.append(claimed.record.id)
        return sent

    def close(self) -> None:
        self.db.close()

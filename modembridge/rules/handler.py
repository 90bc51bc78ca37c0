"""The inbound listener: every committed inbound message goes through compliance and rules.

Runs in the modem's supervisor thread right after the message is committed (StoreSink
listener). Loading, deciding and writing happen in one transaction, so a crash leaves either
nothing or everything (subscription, consent record, suppression, coupon, queued reply);
`rule_runs` and the reply's idempotency key make a second run a no-op. The modems are woken
so the reply leaves in the same read cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from modembridge.clock import to_iso, utcnow
from modembridge.config import ComplianceSettings
from modembridge.rules.apply import apply_decision, record_run
from modembridge.rules.context import load_context, load_inbound
from modembridge.rules.engine import Decision, Policy, decide
from modembridge.rules.safety import SafetyPolicy
from modembridge.store.db import Database

log = logging.getLogger(__name__)


def policy_for(settings: ComplianceSettings) -> Policy:
    """The engine's policy from the `[compliance]` config."""
    return Policy(
        brand=settings.brand,
        double_opt_in=settings.double_opt_in,
        join_keyword=settings.join_keyword,
        help_text=settings.help_text,
        safety=SafetyPolicy(
            reply_limit=settings.auto_reply_limit,
            reply_window=timedelta(minutes=settings.auto_reply_window_minutes),
        ),
    )


class InboundHandler:
    """Applies compliance keywords and rules to each inbound message."""

    def __init__(
        self,
        db: Database,
        policy: Policy,
        *,
        max_parts: int = 10,
        wake: Callable[[], None] = lambda: None,
        webhooks_queued: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Handle messages in `db`; `wake` nudges the modems, `webhooks_queued` the worker."""
        self._db = db
        self._policy = policy
        self._max_parts = max_parts
        self._wake = wake
        self._webhooks_queued = webhooks_queued
        self._clock = clock

    def on_message(self, modem_name: str, message_id: int) -> None:
        """StoreSink listener: handle one message; a failure is logged and recorded."""
        try:
            self.handle(message_id)
        except Exception as exc:
            log.exception("rules failed on inbound message %d (modem %s)", message_id, modem_name)
            self._record_failure(message_id, exc)

    def handle(self, message_id: int) -> Decision | None:
        """Decide and apply for one inbound message; None if it was handled before."""
        now = self._clock()
        with self._db.transaction() as conn:
            done = conn.execute(
                "SELECT 1 FROM rule_runs WHERE message_id = ?", (message_id,)
            ).fetchone()
            inbound = None if done else load_inbound(conn, message_id)
            if inbound is None:
                return None
            context = load_context(conn, inbound, self._policy.safety, now)
            decision = decide(context, self._policy, now)
            applied = apply_decision(conn, decision, inbound, now, self._max_parts)
        if applied.reply_id is not None:
            self._wake()
        if applied.webhooks:
            self._webhooks_queued()
        if decision.matched:
            log.info(
                "inbound %d from %s: %s %s -> %s",
                message_id,
                inbound.phone,
                decision.matched,
                decision.keyword or "",
                applied.detail or applied.outcome,
            )
        return decision

    def catch_up(self, window: timedelta) -> int:
        """Handle inbound messages of the last `window` that were committed but never handled
        (the process stopped in between); returns how many."""
        since = to_iso(self._clock() - window)
        rows = self._db.connection().execute(
            "SELECT m.id FROM messages m WHERE m.direction = 'in' AND m.created_at >= ?"
            " AND NOT EXISTS (SELECT 1 FROM rule_runs r WHERE r.message_id = m.id) ORDER BY m.id",
            (since,),
        )
        ids = [r[0] for r in rows]
        for message_id in ids:
            self.on_message("catch-up", message_id)
        return len(ids)

    def _record_failure(self, message_id: int, exc: Exception) -> None:
        try:
            with self._db.transaction() as conn:
                inbound = load_inbound(conn, message_id)
                if inbound is not None:
                    detail = f"{type(exc).__name__}: {exc}"[:500]
                    record_run(conn, inbound, None, None, "error", detail, self._clock())
        except Exception:
            log.exception("could not record the rules failure of message %d", message_id)

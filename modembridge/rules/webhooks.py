"""Webhook actions: queued in the store with the inbound message, delivered by a worker.

The body and its signature are fixed when the rule fires (`X-Modembridge-Signature:
sha256=<hex HMAC-SHA256 of the body with the rule's secret>`). The worker counts an attempt
before it sends (a crash mid-request still counts it), retries with backoff, and gives up
after the last delay; receivers dedupe on `X-Modembridge-Delivery`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sqlite3
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from modembridge import __version__
from modembridge.clock import from_iso, to_iso, utcnow
from modembridge.rules.effects import CallWebhook
from modembridge.store.db import Database

log = logging.getLogger(__name__)

RETRY_DELAYS = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
SIGNATURE_HEADER = "X-Modembridge-Signature"
DELIVERY_HEADER = "X-Modembridge-Delivery"


def sign(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of `body` with `secret`."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def enqueue_webhook(
    conn: sqlite3.Connection, call: CallWebhook, message_id: int | None, now: datetime
) -> int:
    """Queue one delivery in the caller's transaction; return its id."""
    body = json.dumps(dict(call.payload), ensure_ascii=False, sort_keys=True)
    cur = conn.execute(
        "INSERT INTO webhook_deliveries (rule_id, message_id, url, body, signature, status,"
        " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
        (
            call.rule_id,
            message_id,
            call.url,
            body,
            sign(call.secret, body.encode()),
            to_iso(now),
            to_iso(now),
        ),
    )
    return int(cur.lastrowid or 0)


@dataclass(frozen=True)
class Delivery:
    """One queued webhook call."""

    id: int
    url: str
    body: str
    signature: str
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: an HTTP status, or an error before any answer."""

    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def permanent(self) -> bool:
        """A 4xx the receiver will give again (not 408 timeout or 429 rate limit)."""
        status = self.status
        return status is not None and 400 <= status < 500 and status not in (408, 429)


class WebhookWorker:
    """Delivers due webhook calls in its own thread (or on demand with `run_once`)."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime] = utcnow,
        *,
        delays: Sequence[timedelta] = RETRY_DELAYS,
        timeout: float = 10.0,
    ) -> None:
        """Deliver from `db`; retry after each of `delays`, then give up."""
        self._db = db
        self._clock = clock
        self._delays = tuple(delays)
        self._timeout = timeout
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the delivery thread."""
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop after the request in flight."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def notify(self) -> None:
        """New deliveries were queued: look now."""
        self._wake.set()

    def run_once(self, now: datetime) -> int:
        """Attempt every delivery due at `now`; return how many succeeded."""
        delivered = 0
        for delivery in self._due(now):
            self._count_attempt(delivery.id)
            outcome = self._post(delivery)
            self._record(delivery, outcome, now)
            delivered += outcome.ok
        return delivered

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once(self._clock())
            except Exception:  # a store hiccup must not end the worker
                log.exception("webhook delivery failed")
            self._wake.wait(self._next_wait())
            self._wake.clear()

    def _next_wait(self) -> float:
        row = (
            self._db.connection()
            .execute("SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'")
            .fetchone()
        )
        if not row or not row[0]:
            return 60.0
        return min(60.0, max(0.0, (from_iso(row[0]) - self._clock()).total_seconds()))

    def _due(self, now: datetime) -> list[Delivery]:
        rows = self._db.connection().execute(
            "SELECT id, url, body, signature, attempts FROM webhook_deliveries"
            " WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id"
            " LIMIT 100",
            (to_iso(now),),
        )
        return [Delivery(*r) for r in rows]

    def _count_attempt(self, delivery_id: int) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE webhook_deliveries SET attempts = attempts + 1 WHERE id = ?",
                (delivery_id,),
            )

    def _post(self, delivery: Delivery) -> Outcome:
        request = urllib.request.Request(
            delivery.url,
            data=delivery.body.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": f"modembridge/{__version__}",
                SIGNATURE_HEADER: f"sha256={delivery.signature}",
                DELIVERY_HEADER: str(delivery.id),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return Outcome(response.status, None)
        except urllib.error.HTTPError as exc:
            return Outcome(exc.code, f"HTTP {exc.code}")
        except (OSError, ValueError) as exc:  # refused, DNS, timeout, bad URL
            return Outcome(None, str(exc) or type(exc).__name__)

    def _record(self, delivery: Delivery, outcome: Outcome, now: datetime) -> None:
        attempts = delivery.attempts + 1
        if outcome.ok:
            status, next_at = "delivered", now
        elif outcome.permanent or attempts > len(self._delays):
            status, next_at = "failed", now
        else:
            status, next_at = "pending", now + self._delays[attempts - 1]
        if not outcome.ok:
            log.warning("webhook %d to %s: %s", delivery.id, delivery.url, outcome.error)
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, last_status = ?,"
                " last_error = ?, delivered_at = ? WHERE id = ?",
                (
                    status,
                    to_iso(next_at),
                    outcome.status,
                    outcome.error,
                    to_iso(now) if outcome.ok else None,
                    delivery.id,
                ),
            )

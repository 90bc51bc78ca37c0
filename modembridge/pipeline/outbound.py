"""The outbox as a modem supervisor sees it: claim, pace, encode, and record outcomes.

Implements `modembridge.modem.api.OutboundSource` on top of the store. Pacing and retries are
decided here; the supervisor only sends what it is given.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from modembridge.modem.api import JobResult, OutboundJob, PartResult
from modembridge.pipeline.pacing import Pacer
from modembridge.sms import encode_submit_pdus
from modembridge.store.outbox import ClaimedMessage, OutboxRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for transient failures: delays[i] after attempt i+1; give up after the last."""

    delays: tuple[timedelta, ...] = (
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=10),
        timedelta(minutes=30),
        timedelta(hours=1),
    )

    def next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after `attempts` attempts, or None to give up."""
        if attempts > len(self.delays):
            return None
        return now + self.delays[attempts - 1]


class OutboxSource:
    """Hands due messages to modems within their pacing, and records what happened."""

    def __init__(
        self,
        outbox: OutboxRepository,
        pacers: Mapping[str, Pacer],
        up_modems: Callable[[], frozenset[str]],
        clock: Callable[[], datetime],
        retry: RetryPolicy | None = None,
    ) -> None:
        """Bind the outbox to per-modem pacers; `up_modems` names the modems now usable."""
        self._outbox = outbox
        self._pacers = pacers
        self._up_modems = up_modems
        self._clock = clock
        self._retry = retry or RetryPolicy()
        self._claims: dict[int, ClaimedMessage] = {}
        self._next_check: dict[str, float | None] = {}
        self._lock = threading.Lock()

    def next_job(self, modem_name: str) -> OutboundJob | None:
        """Claim the next due message this modem may send now, encoded into its parts."""
        now = self._clock()
        pacer = self._pacers[modem_name]
        decision = pacer.check(1, now)
        if not decision.allowed:
            wait = decision.retry_at - now if decision.retry_at else None
            self._next_check[modem_name] = wait.total_seconds() if wait else None
            return None
        room = pacer.parts_per_day - pacer.sent_today
        claimed = self._outbox.claim(
            modem_name, now, self._up_modems() | {modem_name}, max_parts=room
        )
        if claimed is None:
            due = self._outbox.next_due(now)
            self._next_check[modem_name] = (due - now).total_seconds() if due else None
            return None
        record = claimed.record
        try:
            pdus = encode_submit_pdus(
                record.phone,
                record.text,
                reference=claimed.concat_ref,
                request_status_report=claimed.request_report,
                flash=claimed.flash,
            )
        except ValueError as exc:  # validated on accept, so only a corrupted row gets here
            self._outbox.finish(record.id, "failed", f"cannot encode: {exc}", now)
            return None
        seqs = [seq for seq in range(1, len(pdus) + 1) if seq not in claimed.parts_done]
        pacer.record(len(seqs), now)
        with self._lock:
            self._claims[record.id] = claimed
        parts = tuple(pdus[seq - 1] for seq in seqs)
        metadata = {"seqs": tuple(seqs), "modem": modem_name}
        return OutboundJob(id=record.id, parts=parts, metadata=metadata)

    def next_check(self, modem_name: str) -> float | None:
        """Seconds until this modem's pacing window opens or the next queued message is due."""
        return self._next_check.get(modem_name)

    def part_starting(self, job: OutboundJob, index: int) -> None:
        """Commit the part as `submitting`: a crash from here on makes the message `unknown`."""
        seq = job.metadata["seqs"][index]
        self._outbox.part_submitting(int(job.id), seq, job.metadata["modem"], self._clock())

    def part_finished(self, job: OutboundJob, result: PartResult) -> None:
        """Commit the part's TP-MR (or that it was refused) as soon as the modem answers."""
        seq = job.metadata["seqs"][result.index]
        self._record_part(int(job.id), seq, result, self._clock())

    def job_result(self, job: OutboundJob, result: JobResult) -> None:
        """Record per-part TP-MRs and the message outcome (retry, fail, unknown, sent)."""
        now = self._clock()
        message_id = int(job.id)
        seqs: tuple[int, ...] = job.metadata["seqs"]
        with self._lock:
            claimed = self._claims.pop(message_id)
        for part in result.parts:
            if part.status == "not_sent":  # never reached part_finished
                self._record_part(message_id, seqs[part.index], part, now)
        outcome = result.status
        if outcome == "sent":
            self._outbox.finish(message_id, "sent", None, now)
        elif outcome == "unknown":
            detail = _first_error(result) or "modem went silent after the PDU"
            self._outbox.finish(message_id, "unknown", detail, now)
        else:
            self._fail_or_retry(claimed, result, now)

    def _record_part(self, message_id: int, seq: int, part: PartResult, now: datetime) -> None:
        if part.status == "sent":
            self._outbox.part_sent(message_id, seq, part.reference or 0, now)
        elif part.status in ("failed", "not_sent"):
            # The modem refused it or it was never written: it did not go out.
            self._outbox.part_not_sent(message_id, seq, part.error or part.status)
        # "unknown" stays `submitting`: maybe sent, never retried automatically.

    def _fail_or_retry(self, claimed: ClaimedMessage, result: JobResult, now: datetime) -> None:
        record = claimed.record
        error = _first_error(result) or "send failed"
        if all(p.status in ("sent", "not_sent") for p in result.parts):
            # Nothing was refused: the port or the modem went away before the PDU was written.
            self._outbox.requeue(record.id, f"not sent: {error}", now)
            return
        retry_at = self._retry.next_attempt(record.attempts, now) if result.transient else None
        if retry_at is not None:
            log.info("message %d: %s; retrying at %s", record.id, error, retry_at.isoformat())
            self._outbox.retry_later(record.id, error, retry_at, now)
        else:
            final = error if not result.transient else f"gave up after {record.attempts}: {error}"
            self._outbox.finish(record.id, "failed", final, now)


def _first_error(result: JobResult) -> str | None:
    for part in result.parts:
        if part.error:
            return part.error
    return None

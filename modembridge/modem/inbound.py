"""Inbound path: +CMTI/+CDSI/+CDS and the sweep -> InboundSink.persist -> only then AT+CMGD.

python-gsmmodem deleted stored SMS before its handler ran (FIELD-NOTES 3.6): here a message
leaves the SIM only after the sink has committed it. If the sink raises, the SMS stays on the
SIM and is read again later, so delivery to the sink is at-least-once (the sink dedupes).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime

from modembridge.at import (
    CommandError,
    StoredPdu,
    Urc,
    cmgd,
    cmgl,
    cmgr,
    cpms,
    parse_cdsi,
    parse_cmgl,
    parse_cmgr,
    parse_cmti,
)
from modembridge.modem.api import InboundSink, InboundSms
from modembridge.modem.driver import ModemDriver
from modembridge.sms import Deliver, PduError, StatusReport, Submit, decode_pdu

log = logging.getLogger(__name__)

_UNSTORED_LIMIT = 256  # +CDS reports we could not persist yet (they exist nowhere else)


def decode_stored(
    pdu: str, tpdu_length: int | None
) -> tuple[Deliver | StatusReport | Submit | None, str | None]:
    """Decode a PDU from CMGR/CMGL/+CDS; returns (decoded, error text).

    The announced TPDU length tells whether the SMSC part is there (some modems drop it
    from +CDS); by default it is.
    """
    smsc_included = tpdu_length is None or len(pdu) // 2 != tpdu_length
    try:
        return decode_pdu(pdu, smsc_included=smsc_included), None
    except PduError as exc:
        return None, str(exc) or "undecodable PDU"


class InboundReader:
    """Reads, persists and deletes inbound SMS for one modem (supervisor thread only).

    Args:
        name: the modem name passed to the sink.
        sink: where messages are committed.
        now: wall clock (UTC) for ``received_at``.
        timeout: per-command timeout.
    """

    def __init__(
        self, name: str, sink: InboundSink, *, now: Callable[[], datetime], timeout: float
    ) -> None:
        self._name = name
        self._sink = sink
        self._now = now
        self._timeout = timeout
        self._pending: dict[tuple[str, int], None] = {}  # ordered set of (storage, index)
        self._unstored: deque[InboundSms] = deque(maxlen=_UNSTORED_LIMIT)
        self._home: str | None = None  # the storage chosen at init ("SM")
        self._current: str | None = None
        self.received = 0
        self.status_reports = 0
        self.persist_failures = 0
        self.retry_wanted = False  # a persist failed: read the SIM again soon
        self.left_on_sim = 0  # stored drafts (SMS-SUBMIT) we leave alone

    def session_started(self, storage: str | None) -> None:
        """A (re)connect chose ``storage``; indices from the old session are stale."""
        self._home = self._current = storage
        self._pending.clear()

    @property
    def pending(self) -> int:
        """Indices announced by +CMTI/+CDSI and not processed yet."""
        return len(self._pending)

    def on_urc(self, urc: Urc) -> bool:
        """Take the URCs of the inbound path; returns False for any other URC."""
        try:
            if urc.name == "+CMTI":
                self._pending[parse_cmti(urc.args)] = None
            elif urc.name == "+CDSI":
                self._pending[parse_cdsi(urc.args)] = None
            elif urc.name in ("+CDS", "+CMT"):
                self._unstored_message(urc)
            else:
                return False
        except ValueError as exc:
            log.warning("malformed %s from modem: %s", urc.name, exc)
        return True

    def process(self, driver: ModemDriver) -> None:
        """Handle what the URCs announced (and retry unpersisted status reports)."""
        while self._unstored and self._persist(self._unstored[0]):
            self._unstored.popleft()
        while self._pending:
            storage, index = next(iter(self._pending))
            self._read(driver, storage, index)
            self._pending.pop((storage, index), None)
        self._use_storage(driver, self._home)

    def sweep(self, driver: ModemDriver) -> int:
        """``AT+CMGL=4``: persist and delete everything waiting in the storage.

        Returns:
            How many messages were persisted.
        """
        self.retry_wanted = False
        self._use_storage(driver, self._home)
        try:
            response = driver.command(cmgl(4), timeout=max(self._timeout, 30.0))
        except CommandError as exc:
            log.debug("AT+CMGL=4 failed: %s", exc.describe())
            return 0
        stored = parse_cmgl(response.lines, strict=False)
        self.left_on_sim = 0
        done = 0
        for item in stored:
            self._pending.pop((self._current or "SM", item.index), None)
            done += self._store(driver, item)
        if done:
            log.info("sweep picked up %d SMS", done)
        return done

    def _read(self, driver: ModemDriver, storage: str, index: int) -> None:
        if not self._use_storage(driver, storage):
            return
        try:
            response = driver.command(cmgr(index), timeout=self._timeout)
            item = parse_cmgr(response.lines, index)
        except CommandError as exc:  # e.g. CMS 321: already gone
            log.debug("AT+CMGR=%d: %s", index, exc.describe())
            return
        except ValueError:
            log.debug("storage %s index %d is empty", storage, index)
            return
        self._store(driver, item)

    def _store(self, driver: ModemDriver, item: StoredPdu) -> int:
        decoded, error = decode_stored(item.pdu, item.length)
        if isinstance(decoded, Submit) or (decoded is None and item.stat in (2, 3)):
            self.left_on_sim += 1  # a stored outgoing draft: not ours to delete
            return 0
        message = InboundSms(self._current, item.index, item.pdu, decoded, error, self._now())
        if not self._persist(message):
            return 0
        self._delete(driver, item.index)
        return 1

    def _unstored_message(self, urc: Urc) -> None:
        if urc.payload is None:
            log.warning("%s without its PDU line", urc.name)
            return
        length = int(urc.args) if urc.args.strip().isdigit() else None
        pdu = urc.payload.strip().upper()
        decoded, error = decode_stored(pdu, length)
        if isinstance(decoded, Submit):
            decoded, error = None, "unexpected SMS-SUBMIT in a notification"
        message = InboundSms(None, None, pdu, decoded, error, self._now())
        if not self._persist(message):
            self._unstored.append(message)

    def _persist(self, message: InboundSms) -> bool:
        try:
            self._sink.persist(self._name, message)
        except Exception as exc:  # any sink failure: keep the SMS, retry later
            self.persist_failures += 1
            self.retry_wanted = True
            log.warning("could not persist an inbound SMS (left on the modem): %s", exc)
            return False
        if isinstance(message.decoded, StatusReport):
            self.status_reports += 1
        else:
            self.received += 1
        return True

    def _delete(self, driver: ModemDriver, index: int) -> None:
        try:
            driver.command(cmgd(index), timeout=self._timeout)
        except CommandError as exc:
            log.warning("AT+CMGD=%d failed after persist: %s", index, exc.describe())

    def _use_storage(self, driver: ModemDriver, storage: str | None) -> bool:
        """Point reads at ``storage`` (a +CDSI may name "SR"); False if the modem refuses."""
        if storage is None or storage == self._current or self._current is None:
            return True
        try:
            driver.command(cpms(storage), timeout=self._timeout)
        except (CommandError, ValueError) as exc:
            log.warning("cannot read storage %s: %s", storage, exc)
            return False
        self._current = storage
        return True

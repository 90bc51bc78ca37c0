"""ModemSupervisor: the one thread that owns a modem's port.

It opens the port, runs the init sequence, reads inbound SMS on +CMTI (and by sweep), drains
the outbound source, polls health, and walks the recovery ladder: resync after a timeout,
reopen with capped backoff after repeated timeouts or an unplug. Between tasks it blocks on the
port read (``driver.poll``), so an idle modem costs a few AT commands per minute, and
``wake()`` gets it moving at once. Readers get an immutable ``ModemStatus`` snapshot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from modembridge.at import AtTimeout, CommandError, Urc
from modembridge.modem.api import InboundSink, OutboundSource, PinGuard
from modembridge.modem.backoff import Backoff, Stopping
from modembridge.modem.config import ModemConfig
from modembridge.modem.driver import DriverStats, ModemDriver
from modembridge.modem.errors import ModemUnresponsive, PinProblem
from modembridge.modem.health import poll_health
from modembridge.modem.inbound import InboundReader
from modembridge.modem.init import SessionInfo, init_session
from modembridge.modem.outbound import send_job
from modembridge.modem.status import ModemStatus, State
from modembridge.modem.wirelog import WIRE_LOGGER
from modembridge.transport.urls import PortError, SerialLike, open_port

log = logging.getLogger(__name__)

PortFactory = Callable[[ModemConfig], SerialLike]
_STATUS_FIELDS = frozenset(ModemStatus.__dataclass_fields__)
_NO_URC_SWEEP = 30.0  # without +CMTI the sweep is the only inbound path: run it often


def default_port_factory(config: ModemConfig) -> SerialLike:
    """Open ``config.port`` with ``open_port``."""
    return open_port(config.port, baudrate=config.baudrate, flow_control=config.flow_control)


class ModemSupervisor:
    """Runs one modem in its own thread; the only code that touches its port.

    Args:
        config: the modem's settings.
        sink: inbound SMS and status reports go here (persist, then the SIM copy is deleted).
        source: the outbox; asked for jobs on ``wake()`` and every ``outbound_recheck`` s.
        port_factory: opens the port (tests wrap it in a HostileSerial).
        clock: monotonic clock.
        now: wall clock (aware UTC) for timestamps in the status.
        pin_guard: durable memory of refused PINs (a restart never re-sends one).
    """

    def __init__(
        self,
        config: ModemConfig,
        sink: InboundSink,
        source: OutboundSource,
        *,
        port_factory: PortFactory = default_port_factory,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        pin_guard: PinGuard | None = None,
    ) -> None:
        self.config = config
        self._source = source
        self._open = port_factory
        self._clock = clock
        self._now = now
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._driver: ModemDriver | None = None
        self._inbound = InboundReader(config.name, sink, now=now, timeout=config.command_timeout)
        self._info = SessionInfo()
        self._pin = config.pin or None
        self._pin_block: PinProblem | None = None  # set after a wrong PIN: never sent again
        self._pin_guard = pin_guard
        refused = pin_guard.refused(config.name, self._pin) if pin_guard and self._pin else None
        if refused is not None:  # refused before a restart: still never sent again
            self._pin_block = PinProblem("pin_error", refused)
        self._pin_reset = False
        self._reinit = False
        self._backoff = Backoff(
            config.port,
            minimum=config.backoff_min,
            maximum=config.backoff_max,
            stop=self._stop,
            clock=clock,
        )
        self._lost_at: float | None = None
        self._was_up = False
        self._timeouts_in_row = 0
        self._next_sweep = self._next_health = self._next_outbound = 0.0
        self._base = DriverStats()  # counters of drivers from earlier sessions
        self._reconnects = 0
        self._parts: Counter[str] = Counter()  # part outcomes: sent / failed / unknown
        stamp = now()
        self._status = ModemStatus(name=config.name, since=stamp, updated_at=stamp)

    # -- public API (any thread) -------------------------------------------------------------

    def start(self) -> None:
        """Start the supervisor thread."""
        if self._thread is not None:
            raise RuntimeError(f"modem {self.config.name} already started")
        self._thread = threading.Thread(target=self._run, name=f"modem-{self.config.name}")
        self._thread.daemon = True
        self._thread.start()

    def stop(self, timeout: float = 70.0) -> bool:
        """Finish the command or send in flight, close the port and end the thread.

        Returns:
            True if the thread ended within ``timeout`` seconds.
        """
        self._stop.set()
        self._wake.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def wake(self) -> None:
        """Ask the outbound source for work now (called by the API after queueing)."""
        self._wake.set()

    def status(self) -> ModemStatus:
        """The latest snapshot; never blocks on the modem."""
        return self._status

    def is_alive(self) -> bool:
        """True while the supervisor thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def reset_pin(self, pin: str | None = None) -> None:
        """Operator action after fixing the SIM: allow one PIN attempt again (``pin`` or the old).

        The only way a PIN is sent again after a wrong-PIN error.
        """
        if pin is not None:
            self._pin = pin or None
        self._pin_block = None
        if self._pin_guard is not None:
            self._pin_guard.forget(self.config.name)
        self._pin_reset = True
        self._wake.set()

    # -- thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        self._set(state="connecting")
        while not self._stop.is_set():
            try:
                self._session()
            except Stopping:
                break
            except PinProblem as exc:
                self._on_pin_problem(exc)
            except Exception as exc:  # every failure leads to the reconnect ladder
                self._on_lost(exc)
            finally:
                self._close()
            try:
                self._backoff.wait(self._take_pin_reset)
            except Stopping:
                break
        self._set(state="stopped", connected_at=None)
        log.info("modem %s stopped", self.config.name)

    def _session(self) -> None:
        port = self._open(self.config)
        wire = logging.getLogger(WIRE_LOGGER) if self.config.wire_log else None
        self._driver = ModemDriver(port, wire_log=wire, clock=self._clock)
        self._setup(self._driver)
        self._on_back()
        self._serve(self._driver)

    def _setup(self, driver: ModemDriver) -> None:
        pin = None if self._pin_block is not None else self._pin
        try:
            info = init_session(
                driver, pin=pin, timeout=self.config.command_timeout, sleep=self._backoff.sleep
            )
        except PinProblem as exc:
            if exc.state in ("pin_error", "puk_required"):
                self._pin_block = exc
                if self._pin_guard is not None and self._pin:
                    self._pin_guard.record_refusal(self.config.name, self._pin, exc.reason)
            if exc.state == "pin_required" and self._pin_block is not None:
                raise self._pin_block from exc  # still locked out: keep the original reason
            raise
        self._info = info
        self._inbound.session_started(info.storage)
        self._handle_urcs(driver.take_urcs())
        self._reinit = False  # boot banners seen during init are answered by this init
        self._set(**{k: v for k, v in asdict(info).items() if k in _STATUS_FIELDS})
        self._timeouts_in_row = 0
        self._inbound.sweep(driver)
        self._check_health(driver)
        now = self._clock()
        self._next_sweep = now + self._sweep_interval()
        self._next_outbound = now

    def _serve(self, driver: ModemDriver) -> None:
        while not self._stop.is_set():
            self._handle_urcs(driver.take_urcs())
            if self._reinit or driver.saw_echo:
                log.info("modem %s was reset; running the init sequence again", self.config.name)
                self._reinit = False
                self._setup(driver)
                continue
            self._task(driver, self._inbound.process)
            self._run_due(driver)
            if self._outbound_step(driver):
                continue
            if self._inbound.retry_wanted:  # a persist failed: read the SIM again soon
                self._next_sweep = min(self._next_sweep, self._clock() + self.config.persist_retry)
            self._set()  # fresh counters for readers before blocking
            wait = min(self._next_sweep, self._next_health, self._next_outbound) - self._clock()
            self._handle_urcs(driver.poll(max(0.0, wait), interrupt=self._wake.is_set))

    def _run_due(self, driver: ModemDriver) -> None:
        now = self._clock()
        if now >= self._next_sweep:
            self._next_sweep = now + self._sweep_interval()
            self._task(driver, self._inbound.sweep)
        if now >= self._next_health:
            self._task(driver, self._check_health)

    def _outbound_step(self, driver: ModemDriver) -> bool:
        now = self._clock()
        if not self._wake.is_set() and now < self._next_outbound:
            return False
        self._wake.clear()  # before asking: a wake() during the call is not lost
        self._next_outbound = now + self.config.outbound_recheck
        if self._stop.is_set():
            return False
        try:
            job = self._source.next_job(self.config.name)
        except Exception:
            log.exception("outbound source failed (modem %s)", self.config.name)
            return False
        if job is None:
            hint = self._source.next_check(self.config.name)
            if hint is not None:  # e.g. the pacing window or a scheduled send comes sooner
                self._next_outbound = now + max(0.0, min(hint, self.config.outbound_recheck))
            return False
        cfg = self.config
        outcome = send_job(
            driver,
            job,
            self._source,
            prompt_timeout=cfg.prompt_timeout,
            result_timeout=cfg.send_timeout,
            should_stop=self._stop.is_set,
        )
        self._parts.update(part.status for part in outcome.result.parts)
        try:
            self._source.job_result(job, outcome.result)
        except Exception:
            log.exception("outbound source failed to record job %s", job.id)
        if outcome.escalate is not None:
            raise outcome.escalate
        self._note_timeout(outcome.timed_out, "AT+CMGS timed out")
        self._next_outbound = self._clock()  # more may be due right away: ask again
        return True

    def _task(self, driver: ModemDriver, task: Callable[[ModemDriver], Any]) -> None:
        """Run an inbound/health task; timeouts count toward reopening the port."""
        try:
            task(driver)
        except AtTimeout as exc:
            self._note_timeout(True, str(exc))
        except CommandError as exc:
            log.warning("modem %s: %s", self.config.name, exc)
            self._set(last_error=str(exc))
        else:
            self._note_timeout(False, "")

    def _note_timeout(self, timed_out: bool, reason: str) -> None:
        if not timed_out:
            self._timeouts_in_row = 0
            return
        self._timeouts_in_row += 1
        self._set(last_error=reason)
        if self._timeouts_in_row >= self.config.max_timeouts:
            raise ModemUnresponsive(f"{self._timeouts_in_row} commands timed out in a row")

    def _check_health(self, driver: ModemDriver) -> None:
        self._next_health = self._clock() + self.config.health_interval
        health = poll_health(driver, timeout=self.config.command_timeout)
        state: State = "ready"
        problem = None
        if health.registered is False:
            state, problem = "degraded", f"not registered ({health.registration})"
        elif self._info.notifications is None:
            state, problem = "degraded", "no +CMTI notifications: inbound relies on the sweep"
        used, total = health.storage_used, health.storage_total
        if used is not None and used > self._inbound.left_on_sim + self._inbound.pending:
            self._next_sweep = self._clock()  # something waits that no +CMTI announced
        self._set(
            state=state,
            signal_rssi=health.rssi,
            signal_dbm=health.dbm,
            registration=health.registration,
            operator=health.operator,
            storage_used=used,
            storage_total=total,
            **({"last_error": problem} if problem else {}),
        )

    def _handle_urcs(self, urcs: list[Urc]) -> None:
        for urc in urcs:
            if self._inbound.on_urc(urc):
                continue
            if urc.name == "RDY" or (urc.name == "+CPIN" and "READY" not in urc.args.upper()):
                self._reinit = True  # power-on banner / SIM state change: settings are gone
            elif urc.name == "SMS Ready" or (urc.name == "+QIND" and "SMS DONE" in urc.args):
                self._next_sweep = self._clock()  # SMS storage just became usable

    # -- recovery ladder -----------------------------------------------------------------------

    def _on_back(self) -> None:
        name = self.config.name
        if self._lost_at is not None:
            log.warning("modem %s back after %.0f s", name, self._clock() - self._lost_at)
        else:
            info = self._info
            log.info("modem %s ready: %s %s", name, info.manufacturer or "?", info.model or "?")
        self._lost_at = None
        self._backoff.succeeded()
        self._was_up = True
        self._set(connected_at=self._now())

    def _on_lost(self, exc: Exception) -> None:
        reason = _describe(exc)
        self._backoff.failed()
        name = self.config.name
        if self._lost_at is None:
            self._lost_at = self._clock()
            if self._was_up:
                self._reconnects += 1
            verb = "lost" if self._was_up else "not available"
            expected = isinstance(exc, PortError | OSError | AtTimeout | ModemUnresponsive)
            log.warning("modem %s %s: %s", name, verb, reason, exc_info=not expected)
        else:
            log.debug("modem %s still down: %s", name, reason)
        self._was_up = False
        state: State = "reconnecting" if self._reconnects else "connecting"
        self._set(state=state, last_error=reason, connected_at=None)

    def _on_pin_problem(self, exc: PinProblem) -> None:
        if self._status.state != exc.state:
            log.error("modem %s: %s", self.config.name, exc.reason)
        self._backoff.failed(human_needed=True)  # re-check rarely; a human must act
        self._set(state=exc.state, last_error=exc.reason, connected_at=None)

    def _close(self) -> None:
        driver, self._driver = self._driver, None
        if driver is None:
            return
        self._base = self._base + driver.stats
        try:
            driver.port.close()
        except Exception as exc:  # closing a vanished device may fail; it is gone either way
            log.debug("closing port of modem %s: %s", self.config.name, exc)

    def _take_pin_reset(self) -> bool:
        reset, self._pin_reset = self._pin_reset, False
        return reset

    def _sweep_interval(self) -> float:
        if self._info.notifications is None:
            return min(self.config.sweep_interval, _NO_URC_SWEEP)
        return self.config.sweep_interval

    # -- status --------------------------------------------------------------------------------

    def _set(self, **changes: Any) -> None:
        """Swap in a new snapshot (one attribute assignment: atomic for readers)."""
        old = self._status
        now = self._now()
        if "state" in changes and changes["state"] != old.state:
            changes["since"] = now
        stats = self._base + self._driver.stats if self._driver else self._base
        inbound = self._inbound
        fields: dict[str, Any] = {
            **changes,
            "updated_at": now,
            "reconnects": self._reconnects,
            "sent_parts": self._parts["sent"],
            "send_failures": self._parts["failed"],
            "unknown_outcomes": self._parts["unknown"],
            "commands": stats.commands,
            "timeouts": stats.timeouts,
            "garbage_events": stats.garbage_events,
            "resyncs": stats.resyncs,
            "received": inbound.received,
            "status_reports": inbound.status_reports,
            "persist_failures": inbound.persist_failures,
        }
        self._status = replace(old, **fields)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, PortError):
        return exc.reason
    text = " ".join(str(exc).split())
    if "device disconnected" in text or "read failed" in text:
        return "device disconnected"  # pyserial's long wording for an unplugged tty
    return text or type(exc).__name__

"""Composition root: config -> store -> modems -> web, started in that order, stopped in reverse.

`run_service` is what `modembridge run` and `python run.py` call: it runs until SIGTERM or
SIGINT, then stops cleanly (the send in flight finishes or is recorded, nothing half-written).
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType

from modembridge import sdnotify
from modembridge.campaigns.wiring import Automation, start_automation
from modembridge.clock import utcnow
from modembridge.config import Config, find_config_file, load_config
from modembridge.modem.config import ModemConfig
from modembridge.modem.supervisor import ModemSupervisor, default_port_factory
from modembridge.pipeline.inbound import StoreSink
from modembridge.pipeline.outbound import OutboxSource
from modembridge.pipeline.pacing import Pacer
from modembridge.pipeline.pin_guard import StoredPinGuard
from modembridge.rules.wiring import Keywords, start_keywords
from modembridge.services import Services, ServiceSettings
from modembridge.store.db import Database
from modembridge.store.delivery import DeliveryRepository
from modembridge.store.inbound import InboundRepository
from modembridge.store.outbox import OutboxRepository
from modembridge.transport.urls import PortError, SerialLike, open_port
from modembridge.web import create_app
from modembridge.web.server import WebServer

log = logging.getLogger("modembridge")


@dataclass(frozen=True)
class Tuning:
    """Timings that are not user settings (tests and benchmarks shorten them)."""

    incomplete_timeout: timedelta = timedelta(hours=1)
    housekeeping_interval: float = 5.0
    health_interval: float = 60.0
    sweep_interval: float = 300.0


class Bridge:
    """The running service: owns the store, the modem supervisors and the web server."""

    def __init__(
        self,
        config: Config,
        *,
        tuning: Tuning | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Prepare (nothing starts until `start`)."""
        self.config = config
        self.tuning = tuning or Tuning()
        self._clock = clock
        self.db: Database | None = None
        self.supervisors: list[ModemSupervisor] = []
        self.web: WebServer | None = None
        self.services: Services | None = None
        self.automation: Automation | None = None
        self.keywords: Keywords | None = None

    def start(self) -> None:
        """Open the store, recover interrupted sends, start modems, then the web server."""
        config, now = self.config, self._clock()
        self.db = db = Database(config.storage.path)
        outbox = OutboxRepository(db)
        requeued, unknown = outbox.recover_interrupted(now)
        if requeued or unknown:
            log.warning(
                "recovered after an interruption: %d message(s) requeued, %d marked unknown "
                "(they may have been sent; not retried)",
                requeued,
                unknown,
            )
        zone = now.astimezone().tzinfo or now.tzinfo
        assert zone is not None
        pacers = {m.name: Pacer(m.parts_per_minute, m.parts_per_day, zone) for m in config.modems}
        for name, pacer in pacers.items():
            midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
            pacer.restore(outbox.parts_sent_since(name, midnight), None, now)
        sink = StoreSink(
            InboundRepository(db), DeliveryRepository(db), config.compliance.default_region
        )
        source = OutboxSource(outbox, pacers, self.up_modems, self._clock)
        # Compliance keywords and rules on every inbound message, before the modems start.
        self.keywords = start_keywords(config, db, sink, wake=self.wake_modems, clock=self._clock)
        pin_guard = StoredPinGuard(db, self._clock)
        self.supervisors = [
            ModemSupervisor(
                ModemConfig(
                    name=m.name,
                    port=m.port,
                    baudrate=m.baudrate,
                    flow_control=m.flow_control,
                    pin=m.pin or None,
                    health_interval=self.tuning.health_interval,
                    sweep_interval=self.tuning.sweep_interval,
                ),
                sink,
                source,
                port_factory=open_modem_port,
                pin_guard=pin_guard,
            )
            for m in config.modems
        ]
        self.services = Services(
            db,
            self.supervisors,
            ServiceSettings(
                default_region=config.compliance.default_region,
                daily_caps={m.name: m.parts_per_day for m in config.modems},
                modem_ports={m.name: m.port for m in config.modems},
                compliance=config.compliance,
            ),
            wake=self.wake_modems,
            clock=self._clock,
        )
        for supervisor in self.supervisors:
            supervisor.start()
        # Campaign and flow scheduler: jobs rebuilt from the database, missed runs handled.
        self.automation = start_automation(
            config, db, self.services, wake=self.wake_modems, clock=self._clock
        )
        app = create_app(self.services, secret_key=_secret_key(config.web.secret_key_file))
        self.web = WebServer(app, config.web.host, config.web.port)
        self.web.start()
        log.info("admin page on http://%s:%d", config.web.host, self.web.port)

    def up_modems(self) -> frozenset[str]:
        """Names of the modems that can send now."""
        return frozenset(s.config.name for s in self.supervisors if s.status().up)

    def wake_modems(self) -> None:
        """Nudge every supervisor to look at the outbox now."""
        for supervisor in self.supervisors:
            supervisor.wake()

    def housekeeping(self) -> None:
        """Periodic store upkeep: expire old queued messages, flush incomplete multipart."""
        if self.db is None:
            return
        now = self._clock()
        OutboxRepository(self.db).expire_due(now)
        InboundRepository(self.db).expire_incomplete(now, self.tuning.incomplete_timeout)

    def healthy(self) -> bool:
        """True while every modem thread and the web server run (feeds the systemd watchdog)."""
        web_ok = self.web is not None and self.web.is_alive()
        return web_ok and all(s.is_alive() for s in self.supervisors)

    def stop(self) -> None:
        """Stop the web server, the scheduler, then the modems (in-flight sends finish), then
        the store."""
        if self.web is not None:
            self.web.stop()
        if self.automation is not None:
            self.automation.stop()
        for supervisor in self.supervisors:
            if not supervisor.stop():
                log.error("modem %s did not stop in time", supervisor.config.name)
        if self.keywords is not None:
            self.keywords.stop()
        if self.db is not None:
            self.db.close()


def open_modem_port(config: ModemConfig) -> SerialLike:
    """Open a modem's port; `auto` scans for the AT port at every (re)connect, so a modem
    that came back as another ttyUSB after a USB reset is found again."""
    if config.port != "auto":
        return default_port_factory(config)
    from modembridge.discovery import NoModemFoundError, resolve_auto_port

    try:
        path = resolve_auto_port(baudrate=config.baudrate)
    except NoModemFoundError as exc:
        raise PortError("auto", str(exc)) from exc
    log.info("modem %s: port auto -> %s", config.name, path)
    return open_port(path, baudrate=config.baudrate, flow_control=config.flow_control)


def _secret_key(path: Path) -> bytes:
    """Read the session signing key, creating it (mode 0600) on first run."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def configure_logging() -> None:
    """One line per event on stderr (journald adds the time under systemd)."""
    logging.basicConfig(
        level=os.environ.get("MODEMBRIDGE_LOG", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def run_service(config_path: str | None) -> int:
    """Load the config, run the bridge until SIGTERM/SIGINT, stop cleanly; return the exit code.

    Raises:
        ConfigError: the config file is missing or invalid.
    """
    configure_logging()
    config = load_config(find_config_file(config_path))
    if config.source is None:
        log.warning(
            "NO CONFIG FILE FOUND: running on the SIMULATED modem (sim://) with data in %s. "
            "Nothing will reach a real phone. Write modembridge.toml (see README) to use a modem.",
            config.storage.path.parent.resolve(),
        )
    else:
        log.info("config: %s", config.source)
    stopping = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    bridge = Bridge(config)
    try:
        bridge.start()
    except OSError as exc:
        log.error("cannot start: %s", exc)
        bridge.stop()
        return 1
    sdnotify.ready(f"serving on {config.web.host}:{config.web.port}")
    try:
        _main_loop(bridge, stopping)
    finally:
        sdnotify.stopping()
        bridge.stop()
    log.info("stopped")
    return 0


def _main_loop(bridge: Bridge, stopping: threading.Event) -> None:
    """Housekeeping, and the watchdog fed only while the bridge is healthy: a wedged thread
    or a failing store makes systemd restart the service."""
    watchdog = sdnotify.watchdog_interval()
    tick = min(bridge.tuning.housekeeping_interval, watchdog or float("inf"))
    next_housekeeping = time.monotonic()
    while not stopping.is_set():
        ok = bridge.healthy()
        if time.monotonic() >= next_housekeeping:
            next_housekeeping = time.monotonic() + bridge.tuning.housekeeping_interval
            try:
                bridge.housekeeping()
            except Exception:
                log.exception("housekeeping failed")
                ok = False
        if ok and watchdog:
            sdnotify.watchdog()
        stopping.wait(tick)

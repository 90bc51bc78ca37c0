"""The session init sequence: wake, echo off, numeric errors, SIM, PDU mode, storage, +CMTI.

No ``ATZ``/``AT&F``: they would drop settings a user made on purpose. A PIN is sent at most
once per call, and only when the caller passes one (the supervisor stops passing it after a
wrong-PIN error: FIELD-NOTES 3.10, three reconnects must not lock the SIM).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from modembridge.at import (
    AtTimeout,
    CmeError,
    CommandError,
    choose_cnmi,
    cpin,
    cpms,
    parse_cnmi_test,
    parse_cpin,
    parse_cpms,
    parse_csca,
    parse_identity,
)
from modembridge.modem.driver import ModemDriver, Response
from modembridge.modem.errors import ModemUnresponsive, PinProblem

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]

READY_STATES = frozenset({"READY", "SIM PIN2", "SIM PUK2"})  # PIN2 does not block SMS
_NO_SIM_CODES = frozenset({10, 13, 15, 310, 313, 315})
_NOT_READY_CME = frozenset({14, 515})  # SIM busy / "please wait" (Huawei, SIMCom)
_NOT_READY_CMS = frozenset({314, 500, 512, 515, 517})  # SMS not initialised yet (Quectel)
_FALLBACK_CNMI = ("AT+CNMI=2,1,0,1,0", "AT+CNMI=2,1,0,0,0", "AT+CNMI=1,1,0,0,0")


@dataclass(frozen=True)
class SessionInfo:
    """What the init sequence learned and chose.

    Attributes:
        storage: the message storage selected for reading ("SM"), None if AT+CPMS failed.
        notifications: the accepted ``AT+CNMI`` command, None when +CMTI is unavailable
            (inbound then depends on the sweep).
    """

    manufacturer: str | None = None
    model: str | None = None
    revision: str | None = None
    imei: str | None = None
    imsi: str | None = None
    smsc: str | None = None
    storage: str | None = None
    storage_used: int | None = None
    storage_total: int | None = None
    notifications: str | None = None


def init_session(
    driver: ModemDriver,
    *,
    pin: str | None,
    timeout: float = 5.0,
    sleep: Sleep = time.sleep,
    sms: bool = True,
    notifications: bool = True,
    wake_attempts: int = 5,
) -> SessionInfo:
    """Run the init sequence on a freshly opened port.

    Args:
        driver: the driver of the port.
        pin: the SIM PIN to send if (and only if) the SIM asks for it; None sends nothing.
        timeout: per-command timeout.
        sleep: how to wait between retries (the supervisor passes an interruptible one).
        sms: set PDU mode and storage (False for a read-only probe).
        notifications: set ``AT+CNMI`` so new SMS raise +CMTI.
        wake_attempts: ``AT`` tries before giving up with "no answer".

    Returns:
        Identity and the choices made.

    Raises:
        ModemUnresponsive: nothing answers AT.
        PinProblem: no SIM, PIN needed without one configured, wrong PIN, PUK needed.
        AtTimeout, CommandError: a mandatory command failed (AT+CMGF=0).
    """
    if not driver.wake(attempts=wake_attempts):
        raise ModemUnresponsive("no answer")
    _command(driver, "ATE0", timeout)
    driver.saw_echo = False
    _optional(driver, "AT+CMEE=1", timeout)
    unlock_sim(driver, pin, timeout=timeout, sleep=sleep)
    storage = notify = None
    if sms:
        retrying(driver, "AT+CMGF=0", timeout=timeout, sleep=sleep, plain_error=True)
        storage = select_storage(driver, timeout=timeout, sleep=sleep)
        if notifications:
            notify = enable_notifications(driver, timeout=timeout, sleep=sleep)
    return _identify(driver, timeout, storage, notify)


def unlock_sim(driver: ModemDriver, pin: str | None, *, timeout: float, sleep: Sleep) -> None:
    """Make sure the SIM is ready, sending ``pin`` at most once.

    Raises:
        PinProblem: the SIM cannot be used without a human.
    """
    state = sim_state(driver, timeout=timeout, sleep=sleep)
    if state in READY_STATES:
        return
    if state != "SIM PIN":
        raise _problem_for_state(state)
    if not pin:
        raise PinProblem("pin_required", "SIM PIN needed")
    _enter_pin(driver, pin, timeout)
    state = sim_state(driver, timeout=timeout, sleep=sleep)
    if state in READY_STATES:
        log.info("SIM unlocked")
        return
    if state == "SIM PIN":
        raise PinProblem("pin_error", "PIN not accepted (not retried: fix the PIN, then reset)")
    raise _problem_for_state(state)


def sim_state(driver: ModemDriver, *, timeout: float, sleep: Sleep, attempts: int = 15) -> str:
    """``AT+CPIN?`` until the SIM stops being busy; returns "READY", "SIM PIN", ...

    Raises:
        PinProblem: no SIM (CME 10) or a SIM failure.
    """
    for _ in range(attempts):
        try:
            response = driver.command("AT+CPIN?", timeout=timeout)
        except CommandError as exc:
            if exc.code in _NO_SIM_CODES:
                raise PinProblem("no_sim", f"no usable SIM ({exc.describe()})") from exc
            if isinstance(exc, CmeError) and exc.code in (11, 12):
                return "SIM PIN" if exc.code == 11 else "SIM PUK"
            if not exc.transient:
                raise
        else:
            state = parse_cpin(_line(response.lines, "+CPIN"))
            if state != "NOT READY":
                return state
        sleep(1.0)  # SIM busy right after power-up or the PIN: ask again, never re-send
    raise PinProblem("no_sim", "SIM not ready")


def _enter_pin(driver: ModemDriver, pin: str, timeout: float) -> None:
    try:
        command = cpin(pin)
    except ValueError as exc:
        raise PinProblem("pin_error", "the configured PIN is not 4-8 digits") from exc
    try:
        driver.command(command, timeout=max(timeout, 10.0))
    except CmeError as exc:
        if exc.code == 16:
            raise PinProblem(
                "pin_error", "wrong PIN (not retried: fix the PIN, then reset)"
            ) from exc
        if exc.code == 12:
            raise PinProblem("puk_required", "SIM PUK needed (not retried)") from exc
        if exc.code not in _NOT_READY_CME:
            raise PinProblem("pin_error", f"PIN refused: {exc.describe()}") from exc
    except AtTimeout:
        pass  # the state check below tells whether it took; the PIN is not sent again
    except (ModemUnresponsive, OSError) as exc:
        raise PinProblem("pin_error", "no answer to the PIN (not retried)") from exc


def _problem_for_state(state: str) -> PinProblem:
    if "PUK" in state:
        return PinProblem("puk_required", f"SIM PUK needed ({state}; not retried)")
    if "PIN" in state:
        return PinProblem("pin_required", f"{state} needed")
    return PinProblem("no_sim", f"SIM not usable ({state})")


def retrying(
    driver: ModemDriver,
    command: str,
    *,
    timeout: float,
    sleep: Sleep,
    attempts: int = 10,
    plain_error: bool = False,
) -> Response:
    """Run an SMS command, retrying while the modem says SMS is not ready yet.

    Quectel answers CMS 500 / CME 14 until ``+QIND: SMS DONE``; SIM800 says ERROR before
    ``SMS Ready`` (retried only when ``plain_error``: elsewhere ERROR means "unsupported").
    """
    for attempt in range(attempts):
        try:
            return driver.command(command, timeout=timeout)
        except CommandError as exc:
            if attempt == attempts - 1 or not _not_ready(exc, plain_error):
                raise
            log.debug("%s: %s; SMS not ready yet, retrying", command, exc.describe())
        sleep(1.0)
    raise AssertionError("unreachable")


def _not_ready(exc: CommandError, plain_error: bool) -> bool:
    if isinstance(exc, CmeError):
        return exc.code in _NOT_READY_CME
    if exc.result.kind == "CMS":
        return exc.code in _NOT_READY_CMS
    return plain_error and exc.result.kind == "ERROR"


def select_storage(driver: ModemDriver, *, timeout: float, sleep: Sleep) -> str | None:
    """Read, write and receive on the SIM ("SM"); some modems take one parameter only."""
    for memories in (("SM", "SM", "SM"), ("SM",)):
        try:
            retrying(driver, cpms(*memories), timeout=timeout, sleep=sleep)
            return "SM"
        except CommandError as exc:
            log.debug("%s refused: %s", cpms(*memories), exc.describe())
    log.warning('modem refuses AT+CPMS="SM"; using its default storage')
    return None


def enable_notifications(driver: ModemDriver, *, timeout: float, sleep: Sleep) -> str | None:
    """Ask for +CMTI (and +CDS status reports) with the best setting the modem supports."""
    candidates: list[str] = []
    try:
        test = driver.command("AT+CNMI=?", timeout=timeout)
        candidates.append(choose_cnmi(parse_cnmi_test(_line(test.lines, "+CNMI"))))
    except (CommandError, ValueError) as exc:
        log.debug("AT+CNMI=? unusable (%s); trying common settings", exc)
    candidates += [c for c in _FALLBACK_CNMI if c not in candidates]
    for command in candidates:
        try:
            retrying(driver, command, timeout=timeout, sleep=sleep)
            return command
        except CommandError as exc:
            log.debug("%s refused: %s", command, exc.describe())
    log.warning("modem accepts no AT+CNMI setting: inbound SMS rely on the periodic sweep")
    return None


def _identify(
    driver: ModemDriver, timeout: float, storage: str | None, notify: str | None
) -> SessionInfo:
    manufacturer = _identity(driver, "AT+CGMI", timeout)
    if manufacturer and "huawei" in manufacturer.lower():
        _optional(driver, "AT^CURC=0", timeout)  # silence the ^RSSI/^MODE/^DSFLOWRPT stream
    used = total = None
    usage = _optional(driver, "AT+CPMS?", timeout)
    if usage is not None:
        used, total = storage_usage(usage.lines)
    csca = _optional(driver, "AT+CSCA?", timeout)
    return SessionInfo(
        manufacturer=manufacturer,
        model=_identity(driver, "AT+CGMM", timeout),
        revision=_identity(driver, "AT+CGMR", timeout),
        imei=_identity(driver, "AT+CGSN", timeout),
        imsi=_identity(driver, "AT+CIMI", timeout),
        smsc=_parsed(parse_csca, csca.lines, "+CSCA") if csca else None,
        storage=storage,
        storage_used=used,
        storage_total=total,
        notifications=notify,
    )


def storage_usage(lines: Sequence[str]) -> tuple[int | None, int | None]:
    """(used, total) of the read storage from ``AT+CPMS?`` lines; (None, None) if unparsable."""
    try:
        usage = parse_cpms(_line(lines, "+CPMS"))
    except ValueError:
        return None, None
    return (usage[0][1], usage[0][2]) if usage else (None, None)


def _identity(driver: ModemDriver, command: str, timeout: float) -> str | None:
    response = _optional(driver, command, timeout)
    if response is None:
        return None
    try:
        value = parse_identity(response.lines, command[2:])
    except ValueError:
        return None
    # SIMCom answers AT+CGMR with "Revision:1418B05SIM800L24".
    return value.removeprefix("Revision:").strip() or None


def _parsed(parse: Callable[[str], str | None], lines: Sequence[str], prefix: str) -> str | None:
    try:
        return parse(_line(lines, prefix))
    except ValueError:
        return None


def _command(driver: ModemDriver, command: str, timeout: float) -> Response:
    return driver.command(command, timeout=timeout)


def _optional(driver: ModemDriver, command: str, timeout: float) -> Response | None:
    """A command whose failure (ERROR/CME/CMS) is tolerated; timeouts still propagate."""
    try:
        return driver.command(command, timeout=timeout)
    except CommandError as exc:
        log.debug("%s not supported: %s", command, exc.describe())
        return None


def _line(lines: Sequence[str], prefix: str) -> str:
    """The first line starting with ``prefix`` (or the first line: some modems omit it)."""
    for line in lines:
        if line.upper().startswith(prefix.upper()):
            return line
    if not lines:
        raise ValueError(f"no {prefix} line in the response")
    return lines[0]

"""Periodic health poll: signal, registration, operator, storage (four cheap commands)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from modembridge.at import (
    CommandError,
    Registration,
    parse_cops,
    parse_creg,
    parse_csq,
    rssi_to_dbm,
)
from modembridge.modem.driver import ModemDriver
from modembridge.modem.init import storage_usage

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Health:
    """One health poll; None where the modem did not say."""

    rssi: int | None = None
    dbm: int | None = None
    registration: str | None = None
    registered: bool | None = None
    operator: str | None = None
    storage_used: int | None = None
    storage_total: int | None = None


def poll_health(driver: ModemDriver, *, timeout: float) -> Health:
    """Ask for signal, registration, operator and storage use.

    Command errors are tolerated (the field stays None); timeouts propagate so the
    supervisor's recovery ladder sees them.
    """
    rssi = _query(driver, "AT+CSQ", timeout, lambda lines: parse_csq(_first(lines, "+CSQ"))[0])
    registration = _registration(driver, timeout)
    operator = _query(driver, "AT+COPS?", timeout, lambda lines: parse_cops(_first(lines, "+COPS")))
    usage = _query(driver, "AT+CPMS?", timeout, storage_usage)
    used, total = usage if usage is not None else (None, None)
    return Health(
        rssi=rssi,
        dbm=_dbm(rssi),
        registration=registration.name if registration else None,
        registered=registration.registered if registration else None,
        operator=operator,
        storage_used=used,
        storage_total=total,
    )


def _registration(driver: ModemDriver, timeout: float) -> Registration | None:
    creg = _query(driver, "AT+CREG?", timeout, lambda lines: parse_creg(_first(lines, "+CREG")))
    if creg is not None and creg.registered:
        return creg
    # LTE-only modules report SMS-capable registration on +CEREG: ask only when CREG says no.
    cereg = _query(driver, "AT+CEREG?", timeout, lambda lines: parse_creg(_first(lines, "+CEREG")))
    return cereg if cereg is not None and cereg.registered else creg


def _query(
    driver: ModemDriver, command: str, timeout: float, parse: Callable[[Sequence[str]], T]
) -> T | None:
    try:
        return parse(driver.command(command, timeout=timeout).lines)
    except CommandError as exc:
        log.debug("%s failed: %s", command, exc.describe())
    except ValueError as exc:
        log.debug("%s: unparsable answer: %s", command, exc)
    return None


def _dbm(rssi: int | None) -> int | None:
    if rssi is None:
        return None
    try:
        return rssi_to_dbm(rssi)
    except ValueError:
        return None


def _first(lines: Sequence[str], prefix: str) -> str:
    for line in lines:
        if line.upper().startswith(prefix):
            return line
    raise ValueError(f"no {prefix} line")

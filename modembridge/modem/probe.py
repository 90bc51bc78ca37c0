"""``modembridge probe``: open a port, identify the modem, read signal/network/storage, close."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from modembridge.at import AtError
from modembridge.modem.driver import ModemDriver
from modembridge.modem.errors import ModemUnresponsive, PinProblem, ProbeError
from modembridge.modem.health import poll_health
from modembridge.modem.init import init_session
from modembridge.transport.urls import PortError, SerialLike, open_port

T = TypeVar("T")


def probe(
    url: str,
    *,
    baudrate: int = 115200,
    pin: str | None = None,
    flow_control: bool = False,
    timeout: float = 5.0,
) -> dict[str, Any]:
    """Connect to the modem at ``url`` and describe it (no settings are changed but ATE0/CMEE).

    Returns:
        {"manufacturer", "model", "revision", "imei", "imsi", "signal": {"rssi", "dbm"},
        "registration", "operator", "smsc", "storage": {"used", "total"}}

    Raises:
        ProbeError: "no such port", "port busy", "SIM PIN needed", "no answer", ...
    """
    port = open_or_explain(url, baudrate=baudrate, flow_control=flow_control)
    try:
        driver = ModemDriver(port)
        info = explained(
            lambda: init_session(driver, pin=pin, timeout=timeout, sms=False, wake_attempts=3)
        )
        health = explained(lambda: poll_health(driver, timeout=timeout))
    finally:
        port.close()
    return {
        "manufacturer": info.manufacturer,
        "model": info.model,
        "revision": info.revision,
        "imei": info.imei,
        "imsi": info.imsi,
        "signal": {"rssi": health.rssi, "dbm": health.dbm},
        "registration": health.registration,
        "operator": health.operator,
        "smsc": info.smsc,
        "storage": {"used": health.storage_used, "total": health.storage_total},
    }


def open_or_explain(url: str, *, baudrate: int, flow_control: bool) -> SerialLike:
    """``open_port`` with failures turned into a one-line ProbeError."""
    try:
        return open_port(url, baudrate=baudrate, flow_control=flow_control)
    except PortError as exc:
        raise ProbeError(exc.reason) from exc


def explained(step: Callable[[], T]) -> T:
    """Run ``step``; turn modem failures into a one-line ProbeError."""
    try:
        return step()
    except ModemUnresponsive as exc:
        raise ProbeError("no answer") from exc
    except PinProblem as exc:
        raise ProbeError(exc.reason) from exc
    except (AtError, OSError) as exc:
        raise ProbeError(" ".join(str(exc).split()) or type(exc).__name__) from exc

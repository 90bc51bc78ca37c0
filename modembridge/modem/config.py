"""ModemConfig: everything one supervisor needs to know about its modem."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModemConfig:
    """Settings of one modem (from a ``[[modem]]`` table of the config file).

    Attributes:
        name: short name used in logs, status and the database ("main").
        port: device path or URL ("/dev/modembridge-at", "socket://...", "sim://").
        baudrate: line speed.
        flow_control: RTS/CTS; False for a SIM800 on the Pi UART (only TX/RX wired).
        pin: SIM PIN or None; sent at most once, never again after a wrong-PIN error.
        health_interval: seconds between signal/registration/storage polls (4 commands).
        sweep_interval: seconds between ``AT+CMGL=4`` sweeps (safety net; +CMTI is primary).
        command_timeout: seconds for an ordinary command.
        prompt_timeout: seconds for the "> " prompt after ``AT+CMGS``.
        send_timeout: seconds for "+CMGS: <mr>" after the PDU (60 s on a SIM800).
        backoff_min: first reconnect delay in seconds (doubles on each failure).
        backoff_max: longest reconnect delay in seconds.
        outbound_recheck: ask the outbound source again after this many seconds even
            without ``wake()`` (scheduled sends, pacing windows).
        persist_retry: seconds before SMS whose persist failed are read again.
        max_timeouts: consecutive command timeouts before the port is reopened.
        wire_log: log the redacted AT conversation to the "modembridge.wire" logger.
    """

    name: str
    port: str
    baudrate: int = 115200
    flow_control: bool = False
    pin: str | None = None
    health_interval: float = 60.0
    sweep_interval: float = 300.0
    command_timeout: float = 5.0
    prompt_timeout: float = 10.0
    send_timeout: float = 60.0
    backoff_min: float = 1.0
    backoff_max: float = 60.0
    outbound_recheck: float = 5.0
    persist_retry: float = 10.0
    max_timeouts: int = 3
    wire_log: bool = False

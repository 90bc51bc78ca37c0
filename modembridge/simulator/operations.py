"""The simulator's world-side operations, shared by the HTTP control API and the admin page.

Inputs are validated here (they come from JSON or HTML forms), so both paths accept and
reject exactly the same things; failures are :class:`OperationError` with a machine code and
the HTTP status the control API answers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from modembridge.simulator.engine import SimModem, UnknownReference
from modembridge.sms import PduError, TextError

__all__ = ["DLR_STATUS", "FAULT_KINDS", "OperationError", "SimOperations"]

DLR_STATUS = {"delivered": 0x00, "pending": 0x20, "failed": 0x41, "expired": 0x46}
FAULT_KINDS = (
    "unplug",
    "hang",
    "garbage",
    "cms_error",
    "no_network",
    "sim_full",
    "reboot",
    "clear",
    "urc",
    "signal",
)
_FAULT_PARAMS: dict[str, frozenset[str]] = {
    "unplug": frozenset({"seconds"}),
    "hang": frozenset({"seconds"}),
    "garbage": frozenset({"bytes", "count"}),
    "cms_error": frozenset({"code", "count"}),
    "urc": frozenset({"text"}),
    "signal": frozenset({"rssi", "dbm"}),
}


class OperationError(Exception):
    """A rejected operation: ``code`` for machines, ``message`` for people, HTTP ``status``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def to_json(self) -> dict[str, Any]:
        """``{"error": {"code", "message"}}`` as every modembridge API answers errors."""
        return {"error": {"code": self.code, "message": self.message}}


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise OperationError("bad_number", f"{name} must be a number")
    if not low <= value <= high:
        raise OperationError("bad_number", f"{name} must be between {low:g} and {high:g}")
    return float(value)


def _integer(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise OperationError("bad_number", f"{name} must be an integer")
    if not low <= value <= high:
        raise OperationError("bad_number", f"{name} must be between {low} and {high}")
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise OperationError("bad_request", f"{name} must be a non-empty string")
    return value


class SimOperations:
    """POST /mo, GET /sent, POST /dlr, POST /fault, GET /state (+ /reset, /log) on one modem."""

    def __init__(self, modem: SimModem) -> None:
        self.modem = modem

    def mo(self, sender: Any, text: Any, parts_out_of_order: Any = False) -> dict[str, Any]:
        """An incoming SMS from ``sender``; see :meth:`SimModem.deliver`."""
        sender, text = _text(sender, "from"), _text(text, "text")
        if not isinstance(parts_out_of_order, bool):
            raise OperationError("bad_request", "parts_out_of_order must be true or false")
        try:
            return self.modem.deliver(sender, text, parts_out_of_order=parts_out_of_order)
        except (PduError, TextError) as exc:
            raise OperationError("bad_request", str(exc)) from None

    def sent(self) -> list[dict[str, Any]]:
        """Messages the simulated SMSC accepted (multipart ones once complete)."""
        return self.modem.sent_messages()

    def dlr(self, reference: Any, status: Any) -> dict[str, Any]:
        """A delivery report for TP-MR ``reference``: "delivered", "failed" (or a TP-ST)."""
        reference = _integer(reference, "reference", 0, 255)
        if isinstance(status, str) and status in DLR_STATUS:
            code = DLR_STATUS[status]
        elif isinstance(status, int) and not isinstance(status, bool):
            code = _integer(status, "status", 0, 255)
        else:
            names = "|".join(DLR_STATUS)
            raise OperationError("bad_request", f"status must be one of {names} or 0..255")
        try:
            return self.modem.status_report(reference, code)
        except UnknownReference as exc:
            raise OperationError("unknown_reference", str(exc), 404) from None

    def fault(self, kind: Any, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Inject a fault (or ``clear`` them); returns ``{"kind", "faults": [active]}``."""
        params = dict(params or {})
        if kind not in FAULT_KINDS:
            raise OperationError("unknown_kind", f"kind must be one of {'|'.join(FAULT_KINDS)}")
        unknown = set(params) - _FAULT_PARAMS.get(kind, frozenset())
        if unknown:
            raise OperationError(
                "bad_request", f"unknown parameter(s) for {kind}: {sorted(unknown)}"
            )
        getattr(self, f"_fault_{kind}")(params)
        return {"kind": kind, "faults": self.modem.active_faults()}

    def _fault_unplug(self, params: dict[str, Any]) -> None:
        self.modem.unplug(_number(params.get("seconds", 2), "seconds", 0, 3600))

    def _fault_hang(self, params: dict[str, Any]) -> None:
        seconds = params.get("seconds")
        self.modem.hang(None if seconds is None else _number(seconds, "seconds", 0, 3600))

    def _fault_garbage(self, params: dict[str, Any]) -> None:
        size = _integer(params.get("bytes", 64), "bytes", 1, 4096)
        self.modem.garbage(size, _integer(params.get("count", 0), "count", 0, 1000))

    def _fault_cms_error(self, params: dict[str, Any]) -> None:
        code = _integer(params.get("code", 500), "code", 0, 999)
        self.modem.cms_error(code, _integer(params.get("count", 1), "count", 1, 1000))

    def _fault_no_network(self, params: dict[str, Any]) -> None:
        self.modem.set_network(False)

    def _fault_sim_full(self, params: dict[str, Any]) -> None:
        self.modem.set_sim_full(True)

    def _fault_reboot(self, params: dict[str, Any]) -> None:
        self.modem.reboot(announce=True)

    def _fault_clear(self, params: dict[str, Any]) -> None:
        self.modem.clear_faults()

    def _fault_urc(self, params: dict[str, Any]) -> None:
        text = _text(params.get("text"), "text")
        if not text.isascii() or not text.isprintable():
            raise OperationError("bad_request", "text must be printable ASCII on one line")
        self.modem.emit_urc([text])

    def _fault_signal(self, params: dict[str, Any]) -> None:
        if "dbm" in params:
            dbm = _integer(params["dbm"], "dbm", -113, -51)
            rssi = (dbm + 113) // 2
        else:
            rssi = _integer(params.get("rssi", 18), "rssi", 0, 31)
        self.modem.set_signal(rssi)

    def state(self) -> dict[str, Any]:
        """Registration, signal, storage and MOs waiting in the network."""
        return self.modem.snapshot()

    def reset(self) -> dict[str, Any]:
        """Clear faults, SIM storage, messages waiting in the network and the sent log."""
        self.modem.reset_world()
        return self.state()

    def log(self) -> list[str]:
        """The last 1000 wire chunks (``> `` host to modem, ``< `` modem to host)."""
        return self.modem.wire_snapshot()

    def storage(self, memory: Any = "SM") -> list[dict[str, Any]]:
        """Occupied slots of a memory: ``[{"index", "stat", "pdu"}]``."""
        name = _text(memory, "memory").upper()
        return [{"index": i, "stat": s, "pdu": p} for i, s, p in self.modem.stored_messages(name)]

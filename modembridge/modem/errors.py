"""Errors raised by the modem driver and supervisor (on top of :mod:`modembridge.at.errors`)."""

from __future__ import annotations

from modembridge.at import AtError, AtTimeout

__all__ = [
    "InvalidCommand",
    "ModemUnresponsive",
    "PinProblem",
    "ProbeError",
    "SendOutcomeUnknown",
]


class InvalidCommand(ValueError):
    """A command contains bytes that would break framing (CR, LF, Ctrl-Z, ESC)."""


class ModemUnresponsive(AtError):
    """Nothing answers ``AT`` after a resync: the port must be closed and reopened."""


class SendOutcomeUnknown(AtTimeout):
    """The PDU and Ctrl-Z were written, then the modem went silent (or the port died).

    The SMS may or may not have left: mark it ``unknown`` and never retry it automatically.

    Attributes:
        followup: the failure that came with it (``ModemUnresponsive`` when the resync failed,
            or the port's ``SerialException``/``OSError``); None when the resync worked.
    """

    def __init__(
        self, command: str, timeout: float, *, followup: BaseException | None = None
    ) -> None:
        super().__init__(command, timeout)
        self.followup = followup

    def __str__(self) -> str:
        return f"no answer after the PDU was sent ({self.command}): outcome unknown"


class PinProblem(AtError):
    """The SIM cannot be used without a human.

    Attributes:
        state: "pin_required", "pin_error", "puk_required" or "no_sim".
        reason: one line for the status page.
    """

    def __init__(self, state: str, reason: str) -> None:
        super().__init__(reason)
        self.state = state
        self.reason = reason


class ProbeError(Exception):
    """``modembridge probe`` / ``sendsms`` failed; the message is one line for the user."""

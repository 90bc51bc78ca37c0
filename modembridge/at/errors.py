"""Errors of the AT layer: they say which command failed and carry the modem's code.

Permanent vs transient comes from tables (:mod:`modembridge.at.codes`), not ad-hoc ifs.
"""

from __future__ import annotations

from modembridge.at.codes import (
    CME_MEANINGS,
    CMS_MEANINGS,
    PERMANENT_CME,
    PERMANENT_CMS,
    TRANSIENT_CME,
    TRANSIENT_CMS,
    cme_is_transient,
    cme_meaning,
    cms_is_transient,
    cms_meaning,
)
from modembridge.at.events import FinalResult

__all__ = [
    "CME_MEANINGS",
    "CMS_MEANINGS",
    "PERMANENT_CME",
    "PERMANENT_CMS",
    "TRANSIENT_CME",
    "TRANSIENT_CMS",
    "TRANSIENT_KINDS",
    "AtError",
    "AtTimeout",
    "CmeError",
    "CmsError",
    "CommandError",
    "error_for",
]

# Plain final results other than +CME/+CMS: is the same command worth retrying later?
# A plain ERROR from a well-formed command is usually "not ready yet" (SIM800 before
# "SMS Ready", Quectel before "+QIND: SMS DONE"); callers bound their retries.
TRANSIENT_KINDS: dict[str, bool] = {
    "ERROR": True,
    "NOT_SUPPORTED": False,
    "NO_CARRIER": True,
    "BUSY": True,
    "NO_ANSWER": True,
    "NO_DIALTONE": True,
}


class AtError(Exception):
    """Base class of every AT-layer error."""


class CommandError(AtError):
    """The modem answered a command with a failure (plain ``ERROR`` and friends).

    Attributes:
        command: the command that failed, e.g. ``AT+CMGS=23``.
        result: the FinalResult the modem sent.
    """

    def __init__(self, command: str, result: FinalResult) -> None:
        """Create the error from the command and the modem's final result."""
        self.command = command
        self.result = result
        super().__init__(f"{command}: {self.describe()}")

    @property
    def code(self) -> int | None:
        """The numeric error code (None for plain ERROR and unmapped verbose texts)."""
        return self.result.code

    @property
    def meaning(self) -> str:
        """What the modem said, in words."""
        return self.result.text

    @property
    def transient(self) -> bool:
        """True if the same command may succeed later without a human fixing anything."""
        return TRANSIENT_KINDS.get(self.result.kind, False)

    def describe(self) -> str:
        """One-line description used as the exception message."""
        return self.result.text


class CmeError(CommandError):
    """``+CME ERROR: <n>`` (ME / SIM / network errors, TS 27.007 9.2)."""

    @property
    def meaning(self) -> str:
        """The 3GPP meaning of the code, or the modem's verbose text if unmapped."""
        if self.code is None:
            return _verbose(self.result.text) or cme_meaning(None)
        return cme_meaning(self.code)

    @property
    def transient(self) -> bool:
        """Table-driven: SIM busy, no network, unknown -> True; PIN/PUK/SIM missing -> False."""
        return cme_is_transient(self.code)

    def describe(self) -> str:
        """``+CME ERROR 11 (SIM PIN required)``."""
        return f"+CME ERROR {_code_str(self.code)} ({self.meaning})"


class CmsError(CommandError):
    """``+CMS ERROR: <n>`` (message service errors, TS 27.005 3.2.5)."""

    @property
    def meaning(self) -> str:
        """The 3GPP meaning of the code, or the modem's verbose text if unmapped."""
        if self.code is None:
            return _verbose(self.result.text) or cms_meaning(None)
        return cms_meaning(self.code)

    @property
    def transient(self) -> bool:
        """Table-driven: 314/331/332/500/322/vendor -> True; 304/305/330/302/303 -> False."""
        return cms_is_transient(self.code)

    def describe(self) -> str:
        """``+CMS ERROR 500 (unknown error)``."""
        return f"+CMS ERROR {_code_str(self.code)} ({self.meaning})"


class AtTimeout(AtError):
    """No final result arrived in time.

    Attributes:
        command: the command that timed out.
        timeout: the timeout in seconds.
    """

    def __init__(self, command: str, timeout: float) -> None:
        """Create the error for a command and the timeout it had."""
        self.command = command
        self.timeout = timeout
        super().__init__(f"{command}: no final result within {timeout:g} s")

    @property
    def transient(self) -> bool:
        """A timeout is always worth a retry after a resync."""
        return True


def error_for(command: str, result: FinalResult) -> CommandError:
    """Build the right CommandError subclass for a failed final result.

    Args:
        command: the command that failed.
        result: the modem's FinalResult (any kind except OK).

    Returns:
        CmeError for "CME", CmsError for "CMS", CommandError otherwise.

    Raises:
        ValueError: if the result is OK (not an error).
    """
    if result.ok:
        raise ValueError(f"{command}: OK is not an error")
    if result.kind == "CME":
        return CmeError(command, result)
    if result.kind == "CMS":
        return CmsError(command, result)
    return CommandError(command, result)


def _code_str(code: int | None) -> str:
    return "?" if code is None else str(code)


def _verbose(text: str) -> str:
    """The text after ``+CME ERROR:`` / ``+CMS ERROR:``."""
    _, _, detail = text.partition(":")
    return detail.strip().strip('"')

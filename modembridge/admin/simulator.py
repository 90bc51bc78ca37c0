"""The admin page's simulator panel: a virtual phone on an in-process `sim://` modem.

It texts the bridge as any number (an MO, exactly as a real phone's SMS arrives) and shows
what the bridge sent back, so a new user can try DISCOUNT or STOP without a SIM card.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modembridge.numbers import InvalidNumber, normalize
from modembridge.simulator import registry
from modembridge.simulator.operations import OperationError, SimOperations


class PanelError(Exception):
    """The panel cannot do that: `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SentSms:
    """One message the simulated network received from the bridge."""

    to: str
    text: str
    encoding: str
    parts: int
    at: str


class SimulatorPanel:
    """Operations on the simulated modems among the configured ones."""

    def __init__(self, modem_ports: Mapping[str, str], *, default_region: str = "US") -> None:
        """`modem_ports` maps modem names to their port URLs (only `sim://` ones matter)."""
        self._ports = {n: p for n, p in modem_ports.items() if p.lower().startswith("sim://")}
        self._region = default_region

    def modems(self) -> list[str]:
        """Names of the configured modems that are simulated (empty: hide the panel)."""
        return list(self._ports)

    def send_mo(self, modem: str, sender: str, text: str) -> None:
        """Text the bridge from `sender` through simulated `modem`.

        Raises:
            PanelError: not a simulated modem, not running yet, or a bad sender/text.
        """
        try:
            self._operations(modem).mo(self._sender(sender), text)
        except OperationError as exc:
            raise PanelError(exc.message, exc.status) from None

    def sent(self, modem: str, *, to: str | None = None, limit: int = 50) -> list[SentSms]:
        """What the bridge sent through simulated `modem` (to one number if `to`), newest first.

        Raises:
            PanelError: not a simulated modem, or not running yet.
        """
        number = self._sender(to) if to else None  # "(555) 000-1111" finds "+15550001111"
        found = [_sent(m) for m in self._operations(modem).sent() if number in (None, m["to"])]
        return found[::-1][:limit]

    def state(self, modem: str) -> dict[str, Any]:
        """The simulated network's view: registration, signal, SIM storage, pending MOs.

        Raises:
            PanelError: not a simulated modem, or not running yet.
        """
        return self._operations(modem).state()

    def _sender(self, raw: str) -> str:
        """A phone number in E.164 (as a network presents it); short codes and names as typed."""
        try:
            return normalize(raw, self._region)
        except InvalidNumber:
            return raw.strip()

    def _operations(self, modem: str) -> SimOperations:
        port = self._ports.get(modem)
        if port is None:
            raise PanelError(f"modem {modem!r} is not a simulated (sim://) modem", 404)
        try:
            operations = registry.get(port)
        except ValueError as exc:  # a malformed sim:// URL never opened
            raise PanelError(str(exc), 404) from None
        if operations is None:
            raise PanelError(f"simulated modem {modem!r} has not started yet", 503)
        return operations


def _sent(entry: Mapping[str, Any]) -> SentSms:
    return SentSms(
        to=str(entry.get("to", "")),
        text=str(entry.get("text", "")),
        encoding=str(entry.get("encoding", "")),
        parts=int(entry.get("parts", 1)),
        at=str(entry.get("at", "")),
    )

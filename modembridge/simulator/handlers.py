"""Command table of the simulated modem: registration decorator and dispatch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from modembridge.simulator.cmdline import Command, CommandFailed, Reply, Result, cme, cms
from modembridge.simulator.state import ModemState

__all__ = ["HANDLERS", "Handler", "command", "dispatch", "supported_names"]

Handler = Callable[[ModemState, Command], Reply]


@dataclass(frozen=True)
class _Spec:
    handler: Handler
    needs_sim: bool  # fails with CME 11/12/13 until the SIM is unlocked
    sms: bool  # fails with CMS 500 until the SMS subsystem is ready (Quectel)
    profiles: frozenset[str] | None  # None: every profile


HANDLERS: dict[str, _Spec] = {}


def command(
    *names: str, needs_sim: bool = False, sms: bool = False, profiles: tuple[str, ...] = ()
) -> Callable[[Handler], Handler]:
    """Register a handler for the command ``names`` (``"+CMGS"``, ``"E"``, ``"^CURC"``)."""

    def register(handler: Handler) -> Handler:
        spec = _Spec(handler, needs_sim, sms, frozenset(profiles) if profiles else None)
        for name in names:
            HANDLERS[name] = spec
        return handler

    return register


def _lookup(state: ModemState, name: str) -> _Spec | None:
    spec = HANDLERS.get(name)
    if spec is None and name.startswith("S") and name[1:].isdigit():
        spec = HANDLERS.get("S")
    if spec is not None and spec.profiles is not None and state.profile.name not in spec.profiles:
        return None
    return spec


def supported_names(state: ModemState) -> list[str]:
    """Commands this profile knows, as ``AT+CLAC`` lists them."""
    names = [name for name in HANDLERS if _lookup(state, name) is not None and name != "S"]
    return sorted(f"AT{name}" for name in names)


def _sim_error(status: str) -> Result:
    return {"SIM PIN": cme(11), "SIM PUK": cme(12)}.get(status, cme(13))


def dispatch(state: ModemState, cmd: Command) -> Reply:
    """Run one command against the modem state; never raises for bad input."""
    spec = _lookup(state, cmd.name)
    if spec is None:
        if state.profile.unknown_command:
            return Reply(result=Result("RAW", text=state.profile.unknown_command))
        return Reply(result=cme(4) if state.settings.cmee else Result("ERROR"))
    if spec.needs_sim and state.sim_status != "READY" and cmd.kind != "test":
        return Reply(result=_sim_error(state.sim_status))
    if spec.sms and not state.sms_ready:
        return Reply(result=cms(500))
    try:
        return spec.handler(state, cmd)
    except CommandFailed as failed:
        return Reply(result=failed.result)
    except (ValueError, IndexError):
        # any malformed argument the handler did not anticipate: plain ERROR, like firmware
        return Reply(result=Result("ERROR"))

"""The simulator panel: a virtual phone on a `sim://` modem (hidden when there is none)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from modembridge.admin.simulator import PanelError

from .common import admin, form_text, message_text

simulator_blueprint = Blueprint("simulator", __name__, url_prefix="/simulator")
DEFAULT_PHONE = "+15550001111"


def _modem() -> str:
    """The simulated modem the page works on (?modem=NAME, else the first one)."""
    names = admin().simulator.modems()
    if not names:
        abort(404, "no simulated (sim://) modem is configured")
    chosen = request.values.get("modem", names[0])
    if chosen not in names:
        abort(404, f"modem {chosen!r} is not a simulated modem")
    return chosen


def _context(modem: str, phone: str) -> dict[str, Any]:
    panel = admin().simulator
    try:
        sent = panel.sent(modem, to=phone)
        state = panel.state(modem)
    except PanelError as exc:
        abort(exc.status, str(exc))
    return {
        "modem": modem,
        "modems": panel.modems(),
        "phone": phone,
        "sent": sent,
        "state": state,
    }


@simulator_blueprint.get("")
def index() -> Any:
    """The virtual phone: what it sends, and what the bridge sent to it."""
    modem = _modem()
    phone = request.args.get("phone", DEFAULT_PHONE)[:32]
    return render_template("simulator.html", **_context(modem, phone))


@simulator_blueprint.get("/live")
def live() -> Any:
    """The phone's received messages alone, for the background refresh."""
    modem = _modem()
    phone = request.args.get("phone", DEFAULT_PHONE)[:32]
    return render_template("simulator_live.html", **_context(modem, phone))


@simulator_blueprint.post("/mo")
def send_mo() -> Any:
    """The virtual phone texts the bridge (an SMS arriving on the simulated SIM)."""
    modem = _modem()
    phone = form_text("phone", 32)
    try:
        admin().simulator.send_mo(modem, phone, message_text())
    except PanelError as exc:
        flash(f"Not sent: {exc}", "error")
        return redirect(url_for("simulator.index", modem=modem, phone=phone))
    flash(f"Texted the bridge from {phone}.")
    return redirect(url_for("simulator.index", modem=modem, phone=phone))

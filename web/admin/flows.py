"""Flows: event-triggered message sequences (define, list, delete)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from modembridge.validation import ValidationError

from .common import form_text, services
from .flow_form import StepSyntaxError, format_steps, parse_steps

if TYPE_CHECKING:
    from modembridge.campaigns.flow_service import FlowService

flows_blueprint = Blueprint("flows", __name__, url_prefix="/flows")
EXAMPLE = "wait 1h\nunless order_placed\nsend: You left {item} in your cart: {cart_url}"


def flow_service() -> FlowService:
    """The flow service (it runs with the bridge's scheduler)."""
    service = services().flows
    if service is None:
        abort(503, "flows run with the bridge's scheduler, which is not running here")
    return service


def _page(form: dict[str, str], error: str | None = None, status: int = 200) -> Any:
    flows = flow_service().list_flows()
    page = render_template(
        "flows.html",
        flows=flows,
        steps_text={f["id"]: format_steps(f["steps"]) for f in flows},
        form=form,
        error=error,
    )
    return page, status


@flows_blueprint.get("")
def index() -> Any:
    """Every flow with its steps and counts, and the form for a new one."""
    return _page({"name": "", "trigger": "", "steps": EXAMPLE})


@flows_blueprint.post("")
def create() -> Any:
    """Define a flow from a name, a trigger event and steps written one per line."""
    form = {
        "name": form_text("name", 100),
        "trigger": form_text("trigger", 64),
        "steps": request.form.get("steps", "")[:5000].replace("\r\n", "\n"),
    }
    try:
        steps = parse_steps(form["steps"])
        created = flow_service().create(
            {"name": form["name"], "trigger": form["trigger"], "steps": steps}
        )
    except (ValidationError, StepSyntaxError) as exc:
        return _page(form, str(exc), getattr(exc, "status", 422))
    flash(f"Flow {created['name']} is live: it starts on “{created['trigger']}” events.")
    return redirect(url_for("flows.index"))


@flows_blueprint.post("/<int:flow_id>/delete")
def delete(flow_id: int) -> Any:
    """Delete a flow; its waiting instances are cancelled."""
    try:
        flow_service().delete(flow_id)
    except ValidationError as exc:
        abort(exc.status, str(exc))
    flash("Flow deleted.")
    return redirect(url_for("flows.index"))

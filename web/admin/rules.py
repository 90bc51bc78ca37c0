"""Keyword rules: create, edit, order, delete, and a "try it" box running the dry run."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from modembridge.validation import ValidationError

from .common import services
from .rule_form import MATCH_MODES, form_to_rule, rule_to_form

rules_blueprint = Blueprint("rules", __name__, url_prefix="/rules")
EMPTY_FORM = rule_to_form({"enabled": True})


def _try_it() -> dict[str, Any] | None:
    """The dry run for ?phone=&text= (a GET: it changes nothing), else None."""
    phone, text = request.args.get("phone", ""), request.args.get("text", "")
    if not text:
        return None
    try:
        return {"result": services().rules.dry_run(phone, text)}
    except ValidationError as exc:
        return {"error": str(exc)}


@rules_blueprint.get("")
def index() -> Any:
    """Rules in evaluation order, with the try-it box."""
    return render_template(
        "rules.html",
        rules=services().rules.all(),
        trial=_try_it(),
        phone=request.args.get("phone", "+15550001111")[:32],
        text=request.args.get("text", "")[:500],
    )


def _editor(
    form: dict[str, str], rule: dict[str, Any] | None, error: str | None, status: int
) -> Any:
    page = render_template(
        "rule_edit.html", form=form, rule=rule, error=error, match_modes=MATCH_MODES
    )
    return page, status


def _rule(rule_id: int) -> dict[str, Any]:
    try:
        return services().rules.get(rule_id)
    except ValidationError as exc:
        abort(404, str(exc))


@rules_blueprint.route("/new", methods=["GET", "POST"])
def new() -> Any:
    """A new rule (it goes last in the order)."""
    if request.method == "GET":
        return _editor(dict(EMPTY_FORM), None, None, 200)
    form = {**EMPTY_FORM, **request.form.to_dict()}
    form["enabled"] = request.form.get("enabled", "")
    try:
        created = services().rules.create(form_to_rule(form))
    except (ValidationError, ValueError) as exc:
        return _editor(form, None, str(exc), 422)
    flash(f"Rule {created['keyword'] or created['name'] or created['id']} created.")
    return redirect(url_for("rules.index"))


@rules_blueprint.route("/<int:rule_id>", methods=["GET", "POST"])
def edit(rule_id: int) -> Any:
    """Edit a rule (new coupon codes are added to its list)."""
    rule = _rule(rule_id)
    if request.method == "GET":
        return _editor(rule_to_form(rule), rule, None, 200)
    form = {**EMPTY_FORM, **request.form.to_dict()}
    form["enabled"] = request.form.get("enabled", "")
    try:
        data = {**form_to_rule(form), "priority": rule["priority"]}
        services().rules.update(rule_id, data, partial=False)
    except (ValidationError, ValueError) as exc:
        return _editor(form, rule, str(exc), getattr(exc, "status", 422))
    flash("Rule saved.")
    return redirect(url_for("rules.index"))


@rules_blueprint.post("/<int:rule_id>/move")
def move(rule_id: int) -> Any:
    """Move a rule one place up or down in the evaluation order."""
    ids = [r["id"] for r in services().rules.all()]
    if rule_id not in ids:
        abort(404, f"no rule {rule_id}")
    i = ids.index(rule_id)
    j = i - 1 if request.form.get("direction") == "up" else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
        services().rules.reorder(ids)
    return redirect(url_for("rules.index"))


@rules_blueprint.post("/<int:rule_id>/delete")
def delete(rule_id: int) -> Any:
    """Delete a rule and its coupon codes."""
    if not services().rules.delete(rule_id):
        abort(404, f"no rule {rule_id}")
    flash("Rule deleted.")
    return redirect(url_for("rules.index"))

"""Compose: a message to a number, a list or a tag; preview per recipient, then send.

A single number goes through `send_message` (source "admin"). Marketing to a list or a tag
becomes a campaign (consent, send window and frequency cap are the campaign planner's job);
transactional to a list or a tag queues one message per member, for small groups only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from modembridge.clock import to_iso, utcnow
from modembridge.validation import ValidationError

from .campaigns import campaign_service
from .common import admin, form_text, local_zone, message_text, services

compose_blueprint = Blueprint("compose", __name__, url_prefix="/compose")
KINDS = ("transactional", "marketing")
AUDIENCE_MODES = (("number", "a number"), ("list", "a list"), ("tag", "a tag"))
PREVIEW_ROWS = 20
MAX_DIRECT = 200  # transactional messages queued one by one from this page


class FormError(ValueError):
    """A compose form that cannot be previewed or sent; the message says why."""


@dataclass(frozen=True)
class PreviewRow:
    """One recipient as the preview shows it."""

    phone: str
    text: str
    parts: int | None
    encoding: str | None
    ucs2_forcing_chars: tuple[str, ...] = ()
    note: str = ""


def _form() -> dict[str, Any]:
    """The compose fields as submitted (also what the preview page carries forward)."""
    kind, mode = request.form.get("kind", ""), request.form.get("mode", "")
    return {
        "mode": mode if mode in dict(AUDIENCE_MODES) else "number",
        "to": form_text("to", 64),
        "kind": kind if kind in KINDS else "transactional",
        "when": "later" if request.form.get("when") == "later" else "now",
        "send_at": form_text("send_at", 32),
        "text": message_text(),
        "key": form_text("key", 64) or uuid.uuid4().hex,
    }


def _send_at(form: dict[str, Any]) -> datetime | None:
    """The scheduled time (a local time on the bridge), or None to send now.

    Raises:
        FormError: "later" without a valid future time.
    """
    if form["when"] != "later":
        return None
    try:
        local = datetime.fromisoformat(form["send_at"])
    except ValueError:
        raise FormError("choose a date and time to send at") from None
    moment = local.replace(tzinfo=local_zone()) if local.tzinfo is None else local
    if moment <= utcnow():
        raise FormError("the send time is in the past")
    return moment


def _members(form: dict[str, Any], limit: int) -> tuple[list[str], int]:
    """Phones of the list's or tag's contacts (at most `limit`) and how many there are.

    Raises:
        FormError: no such list or tag.
    """
    contacts = services().contacts
    name = form["to"]
    known = [x.name for x in contacts.lists()] if form["mode"] == "list" else []
    known += [tag for tag, _ in contacts.tags()] if form["mode"] == "tag" else []
    if name not in known:
        raise FormError(f"there is no {form['mode']} called {name!r}")
    where = {"list_name": name} if form["mode"] == "list" else {"tag": name}
    found, total = contacts.search("", limit, 0, **where)
    return [c.phone for c in found], total


def _direct_row(phone: str, form: dict[str, Any], when: datetime | None) -> PreviewRow:
    p = admin().preview(phone, form["text"], form["kind"], when)
    return PreviewRow(p.phone, p.text, p.parts, p.encoding, p.ucs2_forcing_chars)


def _campaign_row(phone: str, text: str) -> PreviewRow:
    p = campaign_service().preview_text(text, phone)
    if p.get("error"):
        note = p["error"]
    elif p["eligible"]:
        note = f"sends at {p['send_at'][:16].replace('T', ' ')} UTC"
    else:
        note = "skipped: " + str(p["skip_reason"]).replace("_", " ")
    return PreviewRow(p["phone"], p["text"] or "", p["segments"], p["encoding"], note=note)


def _preview_rows(form: dict[str, Any], when: datetime | None) -> tuple[list[PreviewRow], int]:
    """(rows to show, recipients in all).

    Raises:
        FormError, ValidationError: the form cannot be sent as it is.
    """
    if form["mode"] == "number":
        return [_direct_row(form["to"], form, when)], 1
    phones, total = _members(form, PREVIEW_ROWS)
    if form["kind"] == "marketing":
        campaign_service().preview_text(form["text"])  # validates the template once
        return [_campaign_row(phone, form["text"]) for phone in phones], total
    if total > MAX_DIRECT:
        raise FormError(
            f"{total} recipients: send transactional messages to at most {MAX_DIRECT} from "
            "this page (the REST API takes any number)"
        )
    return [_direct_row(phone, form, when) for phone in phones], total


def _summary(form: dict[str, Any], total: int) -> str:
    if form["mode"] == "number":
        return f"One {form['kind']} message to {form['to']}."
    how = "as a campaign" if form["kind"] == "marketing" else "one message each"
    return f"{form['kind'].capitalize()} to {form['mode']} {form['to']}: {total} contacts, {how}."


def _form_page(form: dict[str, Any], error: str | None = None, status: int = 200) -> Any:
    contacts = services().contacts
    audiences = [x.name for x in contacts.lists()] + [tag for tag, _ in contacts.tags()]
    page = render_template(
        "compose.html",
        form=form,
        kinds=KINDS,
        error=error,
        audience_modes=AUDIENCE_MODES,
        audiences=audiences,
    )
    return page, status


@compose_blueprint.get("")
def index() -> Any:
    """The empty form (?to= prefills the number)."""
    form = {
        "mode": "number",
        "to": request.args.get("to", "")[:64],
        "kind": "transactional",
        "when": "now",
        "send_at": "",
        "text": "",
        "key": uuid.uuid4().hex,
    }
    return _form_page(form)


@compose_blueprint.post("/preview")
def preview() -> Any:
    """How the message goes out to each recipient, before anything is queued."""
    form = _form()
    try:
        when = _send_at(form)
        rows, total = _preview_rows(form, when)
    except (FormError, ValidationError) as exc:
        return _form_page(form, str(exc), 422)
    return render_template(
        "compose_preview.html",
        form=form,
        previews=rows,
        more=max(0, total - len(rows)),
        summary=_summary(form, total),
        when=when,
    )


@compose_blueprint.post("/edit")
def edit() -> Any:
    """Back from the preview to the filled-in form."""
    return _form_page(_form())


@compose_blueprint.post("/send")
def send() -> Any:
    """Queue the previewed message(s); the form's key makes a double click send once."""
    form = _form()
    try:
        when = _send_at(form)
        if form["mode"] == "number":
            return _send_one(form, form["to"], when)
        if form["kind"] == "marketing":
            return _send_campaign(form, when)
        return _send_each(form, when)
    except (FormError, ValidationError) as exc:
        return _form_page(form, str(exc), 422)


def _send_one(form: dict[str, Any], phone: str, when: datetime | None) -> Any:
    record, created = services().send_message(
        {
            "to": phone,
            "text": form["text"],
            "kind": form["kind"],
            "send_at": to_iso(when) if when else None,
            "idempotency_key": f"admin-compose-{form['key']}",
        },
        source="admin",
    )
    flash("Queued." if created else "Already queued (sent once).")
    return redirect(url_for("conversations.thread", phone=record.phone))


def _send_each(form: dict[str, Any], when: datetime | None) -> Any:
    phones, total = _members(form, MAX_DIRECT + 1)
    if total > MAX_DIRECT:
        raise FormError(f"{total} recipients: at most {MAX_DIRECT} from this page")
    for phone in phones:
        services().send_message(
            {
                "to": phone,
                "text": form["text"],
                "kind": "transactional",
                "send_at": to_iso(when) if when else None,
                "idempotency_key": f"admin-compose-{form['key']}-{phone}",
            },
            source="admin",
        )
    flash(f"Queued {len(phones)} messages to {form['mode']} {form['to']}.")
    return redirect(url_for("conversations.index"))


def _send_campaign(form: dict[str, Any], when: datetime | None) -> Any:
    if not admin().first_use(f"compose-{form['key']}"):
        flash("Already created (sent once).")
        return redirect(url_for("campaigns.index"))
    first_line = form["text"].splitlines()[0] if form["text"].strip() else ""
    created = campaign_service().create(
        {
            "name": f"Compose: {first_line[:60]}".strip(),
            "text": form["text"],
            "audience": {form["mode"]: form["to"]},
            "schedule": {"at": to_iso(when or utcnow())},
        }
    )
    flash(f"Campaign created for {form['mode']} {form['to']}.")
    return redirect(url_for("campaigns.detail", campaign_id=created["id"]))

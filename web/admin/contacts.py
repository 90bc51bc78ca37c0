"""Contacts and lists: search, edit, subscription status and consent history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from modembridge.validation import ValidationError

from .common import admin, form_text, services

contacts_blueprint = Blueprint("contacts", __name__, url_prefix="/contacts")
PAGE = 50
SUBSCRIPTIONS = ("none", "pending", "subscribed", "unsubscribed")
ACTOR = "admin"


def split_names(raw: str) -> list[str]:
    """ "vip, newsletter; shop" -> ["vip", "newsletter", "shop"] (blank entries dropped)."""
    return [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]


def _filters() -> dict[str, Any]:
    subscription = request.args.get("subscription") or None
    return {
        "query": request.args.get("q", "")[:100],
        "list_name": request.args.get("list") or None,
        "tag": request.args.get("tag") or None,
        "subscription": subscription if subscription in SUBSCRIPTIONS else None,
    }


@contacts_blueprint.get("")
def index() -> Any:
    """Search and filter contacts (by list, tag, subscription); lists and tags with counts."""
    contacts = services().contacts
    filters = _filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found, total = contacts.search(
        filters["query"],
        PAGE,
        (page - 1) * PAGE,
        list_name=filters["list_name"],
        tag=filters["tag"],
        subscription=filters["subscription"],
    )
    return render_template(
        "contacts.html",
        contacts=found,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        filters=filters,
        lists=contacts.lists(),
        tags=contacts.tags(),
        subscriptions=SUBSCRIPTIONS,
    )


def _contact_form() -> dict[str, Any]:
    return {
        "phone": form_text("phone", 40),
        "first_name": form_text("first_name", 100),
        "last_name": form_text("last_name", 100),
        "email": form_text("email", 200),
        "lists": split_names(form_text("lists", 2000)),
        "tags": split_names(form_text("tags", 2000)),
    }


@contacts_blueprint.route("/new", methods=["GET", "POST"])
def new() -> Any:
    """Add a contact (consent is recorded separately, with its evidence)."""
    if request.method == "GET":
        return render_template("contact_new.html", form={"lists": [], "tags": []})
    form = _contact_form()
    try:
        contact, created, _ = services().contacts.upsert(form, actor=ACTOR, source="admin")
    except ValidationError as exc:
        return render_template("contact_new.html", form=form, error=str(exc)), exc.status
    flash("Contact added." if created else "That number was already a contact: updated.")
    return redirect(url_for("contacts.detail", phone=contact.phone))


def _detail(phone: str, status: int = 200, **extra: Any) -> Any:
    try:
        contact = services().contacts.get(phone)
    except ValidationError:
        abort(404, f"{phone!r} is not a phone number")
    if contact is None:
        abort(404, f"no contact {phone}")
    page = render_template(
        "contact.html",
        contact=contact,
        handover=admin().inbox.handover(contact.phone),
        has_messages=bool(admin().inbox.messages(contact.phone, limit=1)),
        **extra,
    )
    return page, status


@contacts_blueprint.get("/<phone>")
def detail(phone: str) -> Any:
    """One contact: details, lists, tags, subscription and its consent history."""
    return _detail(phone)


@contacts_blueprint.post("/<phone>")
def save(phone: str) -> Any:
    """Save names, email, lists and tags exactly as the form has them."""
    form = _contact_form()
    contacts = services().contacts
    try:
        fields = {k: form[k] for k in ("first_name", "last_name", "email")}
        contact, _, _ = contacts.upsert({"phone": phone, **fields}, actor=ACTOR, source="admin")
        contacts.set_labels(contact.phone, lists=form["lists"], tags=form["tags"])
    except ValidationError as exc:
        if exc.status == 404:
            abort(404, str(exc))
        return _detail(phone, exc.status, error=str(exc))
    flash("Saved.")
    return redirect(url_for("contacts.detail", phone=contact.phone))


@contacts_blueprint.post("/<phone>/consent")
def consent(phone: str) -> Any:
    """Record a subscription change with its evidence (source and wording)."""
    consent_input = {
        "status": request.form.get("status", ""),
        "source": request.form.get("source", "admin"),
        "wording": form_text("wording", 1000),
    }
    try:
        contact, warnings = services().contacts.set_consent(
            phone, consent_input, actor=ACTOR, source="admin"
        )
    except ValidationError as exc:
        return _detail(phone, exc.status, consent_error=str(exc))
    for warning in warnings:
        flash(warning, "warning")
    flash(f"Subscription: {contact.subscription}.")
    return redirect(url_for("contacts.detail", phone=contact.phone))


@contacts_blueprint.post("/<phone>/delete")
def delete(phone: str) -> Any:
    """Erase a contact (an opt-out stays on the suppression list)."""
    try:
        gone = services().contacts.delete(phone)
    except ValidationError as exc:
        abort(404, str(exc))
    flash("Contact erased." if gone else "No such contact.")
    return redirect(url_for("contacts.index"))


@contacts_blueprint.post("/lists")
def create_list() -> Any:
    """Create an empty list."""
    try:
        info = services().contacts.create_list(form_text("name", 100))
    except ValidationError as exc:
        flash(f"List not created: {exc}", "error")
        return redirect(url_for("contacts.index"))
    flash(f"List {info.name} is ready.")
    return redirect(url_for("contacts.index", list=info.name))


@contacts_blueprint.post("/lists/delete")
def delete_list() -> Any:
    """Delete a list (its contacts stay)."""
    name = form_text("name", 100)
    if services().contacts.delete_list(name):
        flash(f"List {name} deleted; its contacts stay.")
    else:
        flash(f"No list {name}.", "error")
    return redirect(url_for("contacts.index"))

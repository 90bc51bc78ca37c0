"""REST API v1: contacts, consent, lists, CSV import/export, behind a bearer token."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from modembridge.validation import ValidationError

from .api import error, json_body, services, token_required

contacts_blueprint = Blueprint("api_contacts", __name__, url_prefix="/api/v1")
MAX_IMPORT_BYTES = 20 * 1024 * 1024


@contacts_blueprint.errorhandler(ValidationError)
def _validation_error(exc: ValidationError) -> Any:
    return error(exc.code, str(exc), exc.status)


def _actor() -> str:
    return f"api:{g.token_name}"


@contacts_blueprint.post("/contacts")
@token_required
def upsert_contact() -> Any:
    """Create (201) or update (200) a contact; `consent` {"status", "source", "wording"}."""
    contact, created, warnings = services().contacts.upsert(json_body(), actor=_actor())
    response = jsonify({**contact.to_json(), "warnings": warnings})
    response.status_code = 201 if created else 200
    return response


@contacts_blueprint.get("/contacts")
@token_required
def search_contacts() -> Any:
    """`?q=&list=&tag=&subscription=&limit=&offset=`, newest first, with the total."""
    args = request.args
    try:
        limit, offset = int(args.get("limit", "50")), int(args.get("offset", "0"))
    except ValueError:
        raise ValidationError("invalid_query", "limit and offset must be numbers", 400) from None
    found, total = services().contacts.search(
        args.get("q", ""),
        limit,
        offset,
        list_name=args.get("list") or None,
        tag=args.get("tag") or None,
        subscription=args.get("subscription") or None,
    )
    return jsonify({"contacts": [c.to_json() for c in found], "total": total})


@contacts_blueprint.get("/contacts/export")
@token_required
def export_contacts() -> Any:
    """Every contact (or `?list=NAME`) as CSV."""
    out = io.StringIO()
    services().contacts.export_csv(out, list_name=request.args.get("list") or None)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=contacts.csv"},
    )


@contacts_blueprint.post("/contacts/import")
@token_required
def import_contacts() -> Any:
    """The request body is the CSV file; `?list=NAME`, `?ask=0` (no double-opt-in requests)."""
    if (request.content_length or 0) > MAX_IMPORT_BYTES:
        return error("too_large", "the CSV file is larger than 20 MB", 413)
    report = services().contacts.import_csv(
        request.get_data(),
        list_name=request.args.get("list") or None,
        actor=_actor(),
        ask_without_evidence=request.args.get("ask", "1") != "0",
    )
    return jsonify(report.to_json())


@contacts_blueprint.get("/contacts/<number>")
@token_required
def get_contact(number: str) -> Any:
    """One contact with subscription status, lists, tags and consent history."""
    contact = services().contacts.get(number)
    if contact is None:
        return error("not_found", f"no contact {number}", 404)
    return jsonify(contact.to_json())


@contacts_blueprint.delete("/contacts/<number>")
@token_required
def delete_contact(number: str) -> Any:
    """Erase a contact (its opt-out, if any, stays on the suppression list)."""
    if not services().contacts.delete(number):
        return error("not_found", f"no contact {number}", 404)
    return jsonify({"deleted": services().contacts.phone(number)})


@contacts_blueprint.post("/contacts/<number>/consent")
@token_required
def record_consent(number: str) -> Any:
    """Record a consent change: {"status": "subscribed|unsubscribed", "source", "wording"}."""
    contact, warnings = services().contacts.set_consent(
        number, json_body(), actor=_actor(), source="api"
    )
    return jsonify({**contact.to_json(), "warnings": warnings})


@contacts_blueprint.get("/lists")
@token_required
def list_lists() -> Any:
    """Every list with its member count."""
    return jsonify({"lists": [info.to_json() for info in services().contacts.lists()]})


@contacts_blueprint.post("/lists")
@token_required
def create_list() -> Any:
    """`{"name"}` -> 201 with the list."""
    name = json_body().get("name")
    if not isinstance(name, str):
        raise ValidationError("invalid_list", "name must be a string")
    response = jsonify(services().contacts.create_list(name).to_json())
    response.status_code = 201
    return response


@contacts_blueprint.delete("/lists/<path:name>")
@token_required
def delete_list(name: str) -> Any:
    """Delete a list (its contacts stay)."""
    if not services().contacts.delete_list(name):
        return error("not_found", f"no list {name!r}", 404)
    return jsonify({"deleted": name})

"""REST API v1: messages and conversations, behind `Authorization: Bearer TOKEN`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, current_app, g, jsonify, request

from modembridge.clock import from_iso, to_iso, utcnow
from modembridge.services import Services
from modembridge.store.records import MessageRecord
from modembridge.validation import ValidationError

api_blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
F = TypeVar("F", bound=Callable[..., Any])
MAX_LIMIT = 1000


def services() -> Services:
    """The application services bound to this app."""
    bound: Services = current_app.extensions["modembridge.services"]
    return bound


def error(code: str, message: str, status: int) -> Any:
    """The one JSON error shape of the API."""
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def token_required(view: F) -> F:
    """Reject requests without a valid bearer token (401)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return error("unauthorized", "missing bearer token", 401)
        name = services().tokens.verify(token.strip(), utcnow())
        if name is None:
            return error("unauthorized", "invalid or revoked token", 401)
        g.token_name = name
        return view(*args, **kwargs)

    return cast(F, wrapper)


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a ValidationError (400) explaining why not."""
    data = request.get_json(silent=True, force=True)  # scripts often omit the Content-Type
    if not isinstance(data, dict):
        raise ValidationError("invalid_json", "the body must be a JSON object", 400)
    return data


def message_json(record: MessageRecord) -> dict[str, Any]:
    """A message as the API shows it."""
    return {
        "id": record.id,
        "direction": record.direction,
        "to": record.phone if record.direction == "out" else record.modem,
        "from": record.phone if record.direction == "in" else record.modem,
        "text": record.text,
        "kind": record.kind,
        "status": record.status,
        "segments": record.segments,
        "encoding": record.encoding,
        "modem": record.modem,
        "created_at": to_iso(record.created_at),
        "send_at": to_iso(record.send_at) if record.send_at else None,
        "sent_at": to_iso(record.sent_at) if record.sent_at else None,
        "delivered_at": to_iso(record.delivered_at) if record.delivered_at else None,
        "error": record.error,
        "incomplete": record.incomplete,
    }


@api_blueprint.errorhandler(ValidationError)
def _validation_error(exc: ValidationError) -> Any:
    return error(exc.code, str(exc), exc.status)


@api_blueprint.post("/messages")
@token_required
def post_message() -> Any:
    """Queue an outbound message: 202 at once (the same message again for a repeated key)."""
    record, _created = services().send_message(json_body())
    body = {
        "id": record.id,
        "status": record.status,
        "segments": record.segments,
        "encoding": record.encoding,
    }
    response = jsonify(body)
    response.status_code = 202
    return response


@api_blueprint.get("/messages/<int:message_id>")
@token_required
def get_message(message_id: int) -> Any:
    """One message by id."""
    record = services().messages.get(message_id)
    if record is None:
        return error("not_found", f"no message {message_id}", 404)
    return jsonify(message_json(record))


@api_blueprint.get("/messages")
@token_required
def list_messages() -> Any:
    """Newest first; filters: direction, status, since (ISO-8601), limit."""
    args = request.args
    direction = args.get("direction")
    if direction not in (None, "in", "out"):
        raise ValidationError("invalid_direction", "direction must be in or out", 400)
    try:
        limit = int(args.get("limit", "100"))
        since = from_iso(args["since"]) if "since" in args else None
    except ValueError:
        message = "limit must be a number, since an ISO-8601 time"
        raise ValidationError("invalid_query", message, 400) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError("invalid_query", f"limit must be 1-{MAX_LIMIT}", 400)
    records = services().messages.search(
        direction=direction, status=args.get("status"), since=since, limit=limit
    )
    return jsonify({"messages": [message_json(r) for r in records]})


@api_blueprint.get("/conversations/<path:number>")
@token_required
def conversation(number: str) -> Any:
    """Both directions with one number, oldest first."""
    phone = services().normalize_party(number)
    records = services().messages.conversation(phone)
    return jsonify({"phone": phone, "messages": [message_json(r) for r in records]})

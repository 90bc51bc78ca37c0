"""Conversations: the inbox threaded by contact, one thread with a reply box."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from modembridge.admin.inbox import SHOW_FILTERS
from modembridge.validation import ValidationError

from .common import admin, form_text, message_text, services

conversations_blueprint = Blueprint("conversations", __name__, url_prefix="/conversations")
PAGE = 50


@conversations_blueprint.get("")
def index() -> Any:
    """Threads, newest first, with unread counts; search and filter by query string."""
    query = request.args.get("q", "")[:100]
    show = request.args.get("show", "all")
    if show not in SHOW_FILTERS:
        show = "all"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    threads = admin().inbox.threads(
        query=query, show=show, limit=PAGE + 1, offset=(page - 1) * PAGE
    )
    return render_template(
        "conversations.html",
        threads=threads[:PAGE],
        more=len(threads) > PAGE,
        page=page,
        query=query,
        show=show,
        filters=SHOW_FILTERS,
    )


def _thread_context(phone: str) -> dict[str, Any]:
    inbox = admin().inbox
    return {
        "phone": phone,
        "name": inbox.contact_name(phone),
        "messages": inbox.messages(phone),
        "handover": inbox.handover(phone),
    }


@conversations_blueprint.get("/<path:phone>")
def thread(phone: str) -> Any:
    """One conversation, oldest first; opening it marks its inbound messages read."""
    key = services().normalize_party(phone)
    context = _thread_context(key)
    messages = context["messages"]
    if not messages:
        abort(404, f"no conversation with {key}")
    # Messages from here on keep their "new" marker through the background refreshes.
    new_from = min((m.id for m in messages if m.unread), default=messages[-1].id + 1)
    admin().inbox.mark_read(key)
    return render_template("thread.html", reply_key=uuid.uuid4().hex, new_from=new_from, **context)


@conversations_blueprint.get("/live/<path:phone>")
def live(phone: str) -> Any:
    """The message list alone, for the background refresh (marks new replies read)."""
    key = services().normalize_party(phone)
    context = _thread_context(key)
    admin().inbox.mark_read(key)
    new_from = request.args.get("new_from", 0, type=int) or 0
    return render_template("thread_live.html", new_from=new_from, **context)


@conversations_blueprint.post("/reply/<path:phone>")
def reply(phone: str) -> Any:
    """Send a reply (transactional: it answers the contact) and come back to the thread."""
    key = services().normalize_party(phone)
    # The form's one-time key makes a double click or a resubmitted form send once.
    reply_key = form_text("reply_key", 64)
    fields = {
        "to": key,
        "text": message_text(),
        "kind": "transactional",
        "idempotency_key": f"admin-reply-{reply_key}" if reply_key else None,
    }
    try:
        services().send_message(fields, source="admin")
    except ValidationError as exc:
        flash(f"Not sent: {exc}", "error")
        context = _thread_context(key)
        page = render_template(
            "thread.html",
            reply_key=uuid.uuid4().hex,
            draft=fields["text"],
            new_from=0,
            **context,
        )
        return page, exc.status
    return redirect(url_for("conversations.thread", phone=key))

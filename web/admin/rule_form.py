"""Keyword rule <-> HTML form: the form has one field per option, the service takes JSON."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from modembridge.clock import from_iso, to_iso

from .common import local_zone

MATCH_MODES = (
    ("exact", "the whole message is the keyword"),
    ("first_word", "the message starts with the keyword"),
    ("regex", "a regular expression"),
    ("any", "any message no other rule answered"),
)


def _names(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]


def _local_time(raw: str, name: str) -> str | None:
    """A datetime-local value (the bridge's local time) as ISO-8601 UTC; "" -> None.

    Raises:
        ValueError: not a date and time.
    """
    if not raw.strip():
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"{name} must be a date and time") from None
    return to_iso(moment.replace(tzinfo=local_zone()) if moment.tzinfo is None else moment)


def form_to_rule(form: Mapping[str, str]) -> dict[str, Any]:
    """The rule as `RulesService.create/update` takes it, from the submitted form.

    Raises:
        ValueError: a date field that is not a date and time.
    """
    actions: list[dict[str, Any]] = []
    for kind, field in (("subscribe", "list"), ("unsubscribe", "list")):
        actions += [{"type": kind, field: n} for n in _names(form.get(f"{kind}_lists", ""))]
    actions += [{"type": "tag", "tag": n} for n in _names(form.get("add_tags", ""))]
    actions += [{"type": "untag", "tag": n} for n in _names(form.get("remove_tags", ""))]
    minutes = form.get("handover_minutes", "").strip()
    if minutes:
        actions.append({"type": "handover", "minutes": int(minutes) if minutes.isdigit() else -1})
    url = form.get("webhook_url", "").strip()
    if url:
        actions.append({"type": "webhook", "url": url, "secret": form.get("webhook_secret", "")})
    rule: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "keyword": form.get("keyword", "").strip(),
        "aliases": _names(form.get("aliases", "")),
        "match": form.get("match", "exact"),
        "reply": form.get("reply", "").replace("\r\n", "\n"),
        "exhausted_reply": form.get("exhausted_reply", "").replace("\r\n", "\n"),
        "actions": actions,
        "enabled": form.get("enabled") == "yes",
        "active_from": _local_time(form.get("active_from", ""), "active from"),
        "active_until": _local_time(form.get("active_until", ""), "active until"),
    }
    codes = [line.strip() for line in form.get("codes", "").splitlines() if line.strip()]
    if codes:
        rule["codes"] = codes
    return rule


def rule_to_form(rule: Mapping[str, Any]) -> dict[str, str]:
    """A stored rule (as the service returns it) as form values."""

    def joined(kind: str, field: str) -> str:
        return ", ".join(a[field] for a in rule.get("actions", []) if a["type"] == kind)

    handover = [a for a in rule.get("actions", []) if a["type"] == "handover"]
    webhook = [a for a in rule.get("actions", []) if a["type"] == "webhook"]
    return {
        "name": rule.get("name", ""),
        "keyword": rule.get("keyword", ""),
        "aliases": ", ".join(rule.get("aliases", [])),
        "match": rule.get("match", "exact"),
        "reply": rule.get("reply", ""),
        "exhausted_reply": rule.get("exhausted_reply", ""),
        "subscribe_lists": joined("subscribe", "list"),
        "unsubscribe_lists": joined("unsubscribe", "list"),
        "add_tags": joined("tag", "tag"),
        "remove_tags": joined("untag", "tag"),
        "handover_minutes": str(handover[0]["minutes"]) if handover else "",
        "webhook_url": webhook[0]["url"] if webhook else "",
        "webhook_secret": webhook[0].get("secret", "") if webhook else "",
        "enabled": "yes" if rule.get("enabled", True) else "",
        "active_from": _form_time(rule.get("active_from")),
        "active_until": _form_time(rule.get("active_until")),
        "codes": "",
    }


def _form_time(value: str | None) -> str:
    if not value:
        return ""
    return from_iso(value).astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M")

"""Contacts as the services return them, and contact input as the API sends it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from modembridge.clock import from_iso, to_iso
from modembridge.numbers import InvalidNumber, normalize
from modembridge.validation import ValidationError

CONSENT_STATUSES = ("subscribed", "unsubscribed")
CONSENT_SOURCES = ("web", "import", "api", "admin", "paper", "verbal")
INPUT_FIELDS = frozenset(
    {"phone", "name", "first_name", "last_name", "email", "lists", "tags", "fields", "consent"}
)
MAX_NAME = 100
MAX_LABEL = 64
MAX_WORDING = 1000


@dataclass(frozen=True)
class ConsentEvent:
    """One change of a number's subscription, with its evidence."""

    id: int
    status: str
    source: str
    actor: str | None
    wording: str | None
    message_id: int | None
    at: datetime

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ConsentEvent:
        """Build from a `consent_events` row."""
        return cls(
            id=row["id"],
            status=row["status"],
            source=row["source"],
            actor=row["actor"],
            wording=row["wording"],
            message_id=row["message_id"],
            at=from_iso(row["at"]),
        )

    def to_json(self) -> dict[str, Any]:
        """As the API shows it."""
        return {
            "status": self.status,
            "source": self.source,
            "actor": self.actor,
            "wording": self.wording,
            "message_id": self.message_id,
            "at": to_iso(self.at),
        }


@dataclass(frozen=True)
class Contact:
    """A contact with lists and tags; `consent` is filled by `ContactsService.get` only."""

    id: int
    phone: str
    name: str
    first_name: str
    last_name: str
    email: str
    subscription: str
    subscription_changed_at: datetime | None
    fields: Mapping[str, Any]
    last_modem: str | None
    created_at: datetime
    updated_at: datetime
    lists: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    suppressed_at: datetime | None = None
    suppression_reason: str | None = None
    consent: tuple[ConsentEvent, ...] = ()

    @classmethod
    def from_row(cls, row: sqlite3.Row, **extra: Any) -> Contact:
        """Build from a `contacts` row plus lists/tags/suppression/consent keywords."""
        return cls(
            id=row["id"],
            phone=row["phone"],
            name=row["name"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            email=row["email"],
            subscription=row["subscription"],
            subscription_changed_at=_time(row["subscription_changed_at"]),
            fields=json.loads(row["fields"] or "{}"),
            last_modem=row["last_modem"],
            created_at=_time(row["created_at"]) or datetime.min,
            updated_at=_time(row["updated_at"]) or datetime.min,
            **extra,
        )

    @property
    def suppressed(self) -> bool:
        """On the permanent suppression list (opted out)."""
        return self.suppressed_at is not None

    def to_json(self) -> dict[str, Any]:
        """As the API shows it (`consent_history` only when loaded)."""
        return {
            "phone": self.phone,
            "name": self.name,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "subscription": self.subscription,
            "subscription_changed_at": _iso(self.subscription_changed_at),
            "suppressed": self.suppressed,
            "suppressed_at": _iso(self.suppressed_at),
            "lists": list(self.lists),
            "tags": list(self.tags),
            "fields": dict(self.fields),
            "last_modem": self.last_modem,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "consent_history": [e.to_json() for e in self.consent],
        }


@dataclass(frozen=True)
class ConsentInput:
    """A requested subscription change; `wording` is the evidence (empty: none given)."""

    status: str
    source: str
    wording: str = ""


@dataclass(frozen=True)
class ContactInput:
    """A validated create/update: None fields are left as they are."""

    phone: str
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    lists: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)
    consent: ConsentInput | None = None


def parse_contact(data: Mapping[str, Any], region: str, default_source: str) -> ContactInput:
    """Validate a contact as the API sends it.

    Raises:
        ValidationError: 422 naming the field at fault.
    """
    unknown = sorted(set(data) - INPUT_FIELDS)
    if unknown:
        raise ValidationError("unknown_field", f"unknown field(s): {', '.join(unknown)}")
    phone = parse_phone(data.get("phone"), region)
    names = {k: _opt_text(data.get(k), k, MAX_NAME) for k in ("name", "first_name", "last_name")}
    email = _opt_text(data.get("email"), "email", 200)
    if email and "@" not in email:
        raise ValidationError("invalid_email", "email must look like name@example.com")
    extra = data.get("fields", {})
    if not isinstance(extra, Mapping) or not all(
        isinstance(v, str | int | float | bool) or v is None for v in extra.values()
    ):
        raise ValidationError("invalid_fields", "fields must be an object of simple values")
    return ContactInput(
        phone=phone,
        email=email,
        lists=labels(data.get("lists", []), "lists"),
        tags=labels(data.get("tags", []), "tags"),
        fields=dict(extra),
        consent=parse_consent(data.get("consent"), default_source),
        **names,
    )


def parse_phone(value: object, region: str) -> str:
    """A phone number in E.164, or a 422 ValidationError."""
    if not isinstance(value, str):
        raise ValidationError("invalid_number", "phone must be a phone number string")
    try:
        return normalize(value, region)
    except InvalidNumber as exc:
        raise ValidationError("invalid_number", str(exc)) from None


def parse_consent(value: object, default_source: str) -> ConsentInput | None:
    """`{"status", "source", "wording"}` or None; status subscribed|unsubscribed."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or value.get("status") not in CONSENT_STATUSES:
        raise ValidationError(
            "invalid_consent", 'consent must be {"status": "subscribed|unsubscribed", ...}'
        )
    source = value.get("source", default_source)
    if source not in CONSENT_SOURCES:
        raise ValidationError(
            "invalid_consent", f"consent source must be one of {', '.join(CONSENT_SOURCES)}"
        )
    wording = _opt_text(value.get("wording"), "consent wording", MAX_WORDING) or ""
    return ConsentInput(str(value["status"]), str(source), wording)


def labels(value: object, name: str) -> tuple[str, ...]:
    """A list of list names or tags (1-64 characters each), deduplicated."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"invalid_{name}", f"{name} must be a list of names")
    cleaned = [v.strip() for v in value]
    if any(not v or len(v) > MAX_LABEL or any(ord(c) < 32 for c in v) for v in cleaned):
        raise ValidationError(f"invalid_{name}", f"each of {name} must be 1-{MAX_LABEL} characters")
    return tuple(dict.fromkeys(cleaned))


def _opt_text(value: object, name: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit or any(ord(c) < 32 for c in value):
        raise ValidationError("invalid_field", f"{name} must be text of at most {limit} characters")
    return value.strip()


def _time(text: str | None) -> datetime | None:
    return from_iso(text) if text else None


def _iso(moment: datetime | None) -> str | None:
    return to_iso(moment) if moment and moment.tzinfo else None

"""Contacts as the REST API, the admin page and the CLI use them.

Numbers are normalised with the configured region; every consent change is recorded with
its source, actor and wording (see `modembridge.contacts.upsert` for the rules).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from modembridge.clock import utcnow
from modembridge.config import ComplianceSettings
from modembridge.contacts import queries, store
from modembridge.contacts.importer import ImportReport, RowProblem, decode, export_rows, parse_rows
from modembridge.contacts.model import (
    Contact,
    ContactInput,
    labels,
    parse_consent,
    parse_contact,
    parse_phone,
)
from modembridge.contacts.queries import ListInfo
from modembridge.contacts.upsert import ConsentPolicy, SaveResult, save_contact
from modembridge.store.db import Database
from modembridge.validation import ValidationError

Progress = Callable[[int, int], None]  # (rows done, rows in the file)
IMPORT_BATCH = 250
MAX_PAGE = 1000


class ContactsService:
    """Contacts, lists, tags, consent, CSV import and export."""

    def __init__(
        self,
        db: Database,
        settings: ComplianceSettings,
        *,
        wake: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Bind to the store and the `[compliance]` settings; `wake` nudges the modems."""
        self._db = db
        self._region = settings.default_region
        self._policy = ConsentPolicy(brand=settings.brand, double_opt_in=settings.double_opt_in)
        self._wake = wake
        self._clock = clock

    # -- reading ---------------------------------------------------------------------------

    def search(
        self,
        query: str = "",
        limit: int = 50,
        offset: int = 0,
        *,
        list_name: str | None = None,
        tag: str | None = None,
        subscription: str | None = None,
    ) -> tuple[list[Contact], int]:
        """Contacts matching `query` (phone, names, email), newest first, and the total.

        Raises:
            ValidationError: limit/offset out of range or an unknown subscription filter.
        """
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise ValidationError("invalid_query", f"limit must be 1-{MAX_PAGE}, offset >= 0", 400)
        if subscription is not None and subscription not in queries.SUBSCRIPTION_FILTERS:
            raise ValidationError("invalid_query", "unknown subscription filter", 400)
        return queries.search(
            self._db.connection(),
            query,
            limit,
            offset,
            list_name=list_name,
            tag=tag,
            subscription=subscription,
        )

    def get(self, phone: str) -> Contact | None:
        """One contact with lists, tags, suppression and consent history.

        Raises:
            ValidationError: not a phone number.
        """
        return queries.get(self._db.connection(), self.phone(phone))

    def phone(self, raw: object) -> str:
        """A number as E.164 (the configured region for national numbers).

        Raises:
            ValidationError: not a phone number.
        """
        return parse_phone(raw, self._region)

    # -- writing ---------------------------------------------------------------------------

    def upsert(
        self, data: Mapping[str, Any], *, actor: str, source: str = "api"
    ) -> tuple[Contact, bool, list[str]]:
        """Create or update a contact from API/admin input.

        Args:
            data: {"phone", "name"|"first_name"/"last_name", "email", "lists", "tags",
                "fields", "consent": {"status", "source", "wording"}}; lists and tags are
                added to the contact's.
            actor: who does it ("api:TOKEN", "admin:USER"); recorded with consent changes.
            source: the consent source when `consent` names none.

        Returns:
            The contact, whether it was created, and warnings (e.g. no consent evidence).

        Raises:
            ValidationError: 422 naming the field at fault.
        """
        entry = parse_contact(data, self._region, source)
        result = self._save([entry], actor)[0]
        contact = self.get(entry.phone)
        assert contact is not None
        return contact, result.created, result.warnings

    def set_consent(
        self, phone: str, consent: Mapping[str, Any], *, actor: str, source: str = "admin"
    ) -> tuple[Contact, list[str]]:
        """Record a consent change for one number ({"status", "source", "wording"}).

        Raises:
            ValidationError: a bad number or consent object.
        """
        parsed = parse_consent(consent, source)
        if parsed is None:
            raise ValidationError("invalid_consent", "consent is required")
        result = self._save([ContactInput(self.phone(phone), consent=parsed)], actor)[0]
        contact = self.get(phone)
        assert contact is not None
        return contact, result.warnings

    def delete(self, phone: str) -> bool:
        """Erase a contact: details, lists, tags, consent history and any handover.

        The suppression entry (number and date of the opt-out) stays, so an erased number
        that had opted out is still never sent marketing.
        """
        number = self.phone(phone)
        with self._db.transaction() as conn:
            gone = conn.execute("DELETE FROM contacts WHERE phone = ?", (number,)).rowcount
            conn.execute("DELETE FROM consent_events WHERE phone = ?", (number,))
            conn.execute("DELETE FROM handovers WHERE phone = ?", (number,))
        return gone > 0

    # -- lists and tags --------------------------------------------------------------------

    def lists(self) -> list[ListInfo]:
        """Every list with its member count."""
        return queries.lists(self._db.connection())

    def create_list(self, name: str) -> ListInfo:
        """Create a list (returns the existing one of that name)."""
        (label,) = labels([name], "list")
        with self._db.transaction() as conn:
            store.list_id(conn, label, self._clock())
        return next(info for info in self.lists() if info.name == label)

    def rename_list(self, old: str, new: str) -> None:
        """Rename a list.

        Raises:
            ValidationError: 404 no such list, 409 the new name is taken.
        """
        (label,) = labels([new], "list")
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM lists WHERE name = ?", (label,)).fetchone():
                raise ValidationError("conflict", f"a list called {label!r} exists", 409)
            if not conn.execute("UPDATE lists SET name = ? WHERE name = ?", (label, old)).rowcount:
                raise ValidationError("not_found", f"no list {old!r}", 404)

    def delete_list(self, name: str) -> bool:
        """Delete a list (its contacts stay); False if there was none."""
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM lists WHERE name = ?", (name,)).rowcount > 0

    def tags(self) -> list[tuple[str, int]]:
        """Every tag with how many contacts carry it."""
        return queries.tags(self._db.connection())

    def set_labels(
        self, phone: str, *, lists: Sequence[str] | None = None, tags: Sequence[str] | None = None
    ) -> Contact:
        """Set a contact's lists and/or tags exactly (None leaves them as they are).

        Raises:
            ValidationError: 404 unknown contact, 422 bad names.
        """
        number = self.phone(phone)
        wanted_lists = labels(list(lists), "lists") if lists is not None else None
        wanted_tags = labels(list(tags), "tags") if tags is not None else None
        now = self._clock()
        with self._db.transaction() as conn:
            row = store.contact_row(conn, number)
            if row is None:
                raise ValidationError("not_found", f"no contact {number}", 404)
            if wanted_lists is not None:
                for name in set(store.lists_of(conn, row["id"])) - set(wanted_lists):
                    store.leave_list(conn, row["id"], name)
                for name in wanted_lists:
                    store.join_list(conn, row["id"], name, now)
            if wanted_tags is not None:
                for tag in set(store.tags_of(conn, row["id"])) - set(wanted_tags):
                    store.remove_tag(conn, row["id"], tag)
                for tag in wanted_tags:
                    store.add_tag(conn, row["id"], tag)
        contact = self.get(number)
        assert contact is not None
        return contact

    # -- CSV -------------------------------------------------------------------------------

    def import_csv(
        self,
        source: Path | bytes | str,
        *,
        list_name: str | None = None,
        actor: str = "import",
        ask_without_evidence: bool = True,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Import contacts from CSV (a path, the file's bytes, or its text).

        Rows with a bad number or a number already seen in the file are reported, not
        fatal. Rows without consent evidence are asked by double opt-in (when on and
        `ask_without_evidence`), else they stay `none`. Every row goes on `list_name`.

        Raises:
            ValidationError: the file cannot be read as CSV at all.
        """
        text = _text_of(source)
        extra = labels([list_name], "list") if list_name else ()
        rows = parse_rows(text, self._region, ask_without_evidence=ask_without_evidence)
        report = ImportReport(rows=len(rows))
        report.errors += [
            RowProblem(r.line, r.raw_phone, r.error or "") for r in rows if r.entry is None
        ]
        good = [r for r in rows if r.entry is not None]
        done = len(rows) - len(good)
        for start in range(0, len(good), IMPORT_BATCH):
            batch = good[start : start + IMPORT_BATCH]
            entries = [_with_lists(r.entry, extra) for r in batch if r.entry is not None]
            for row, result in zip(batch, self._save(entries, actor), strict=True):
                _count(report, row.line, row.raw_phone, result)
            done += len(batch)
            if progress is not None:
                progress(done, len(rows))
        if progress is not None and not good:
            progress(len(rows), len(rows))
        return report

    def export_csv(self, out: TextIO, *, list_name: str | None = None) -> int:
        """Write every contact (or a list's members) as CSV; return how many."""
        return export_rows(queries.iter_all(self._db.connection(), list_name), out)

    def _save(self, entries: Sequence[ContactInput], actor: str) -> list[SaveResult]:
        now = self._clock()
        with self._db.transaction() as conn:
            results = [
                save_contact(conn, e, actor=actor, policy=self._policy, now=now) for e in entries
            ]
        if any(r.request_id is not None for r in results):
            self._wake()
        return results


def _text_of(source: Path | bytes | str) -> str:
    if isinstance(source, Path):
        try:
            return decode(source.read_bytes())
        except OSError as exc:
            raise ValidationError("unreadable", f"{source}: {exc.strerror}", 400) from None
    return decode(source) if isinstance(source, bytes) else source


def _with_lists(entry: ContactInput | None, extra: tuple[str, ...]) -> ContactInput:
    assert entry is not None
    return replace(entry, lists=tuple(dict.fromkeys((*entry.lists, *extra))))


def _count(report: ImportReport, line: int, phone: str, result: SaveResult) -> None:
    if result.created:
        report.created += 1
    else:
        report.updated += 1
    if result.request_id is not None:
        report.requests_queued += 1
    if result.subscription in ("subscribed", "pending", "unsubscribed"):
        setattr(report, result.subscription, getattr(report, result.subscription) + 1)
    report.warnings += [RowProblem(line, phone, w) for w in result.warnings]

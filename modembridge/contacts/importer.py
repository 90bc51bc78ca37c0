"""CSV import and export of contacts.

Columns: phone, first_name, last_name, email, tags, lists, consent (several tags or lists in
one cell separated by `;`, `|` or `,`). A header row is detected by its names (spellings such
as "Mobile" or "First name" are understood, other columns become custom fields); without
one the columns are taken in that order. Comma, semicolon and tab separated files in UTF-8
(with or without BOM) or Windows-1252 are read.

The consent cell: empty means no evidence (the contact is asked by double opt-in, or stays
`none`); "no", "unsubscribed", "stop", "opted out" record an opt-out; anything else is the
evidence itself (e.g. "web form 2026-03-01: Yes, text me offers") and subscribes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from modembridge.contacts.model import (
    MAX_LABEL,
    ConsentInput,
    Contact,
    ContactInput,
    parse_phone,
)
from modembridge.validation import ValidationError

COLUMNS = ("phone", "first_name", "last_name", "email", "tags", "lists", "consent")
EXPORT_COLUMNS = (
    "phone",
    "first_name",
    "last_name",
    "email",
    "tags",
    "lists",
    "subscription",
    "subscription_changed_at",
)
_HEADER_NAMES = {
    "phone": "phone",
    "phone number": "phone",
    "phonenumber": "phone",
    "number": "phone",
    "mobile": "phone",
    "mobile number": "phone",
    "cell": "phone",
    "msisdn": "phone",
    "tel": "phone",
    "telephone": "phone",
    "first name": "first_name",
    "firstname": "first_name",
    "given name": "first_name",
    "last name": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family name": "last_name",
    "email": "email",
    "e mail": "email",
    "email address": "email",
    "tags": "tags",
    "tag": "tags",
    "lists": "lists",
    "list": "lists",
    "consent": "consent",
    "consent wording": "consent",
}
_SPLIT = re.compile(r"[;|,]")
_OPT_OUT_CELLS = frozenset({"no", "n", "false", "0", "unsubscribed", "opted out", "optout", "stop"})
MAX_FILE_ROWS = 200_000


@dataclass(frozen=True)
class RowProblem:
    """A row that was not imported (or imported with a remark), by file line number."""

    line: int
    phone: str
    message: str


@dataclass
class ImportReport:
    """What an import did."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    subscribed: int = 0
    pending: int = 0
    unsubscribed: int = 0
    requests_queued: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """As the API shows it."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "subscribed": self.subscribed,
            "pending": self.pending,
            "unsubscribed": self.unsubscribed,
            "requests_queued": self.requests_queued,
            "errors": [vars(p) for p in self.errors],
            "warnings": [vars(p) for p in self.warnings],
        }


@dataclass(frozen=True)
class ParsedRow:
    """A CSV row turned into contact input (or the reason it cannot be)."""

    line: int
    raw_phone: str
    entry: ContactInput | None
    error: str | None = None


def decode(data: bytes) -> str:
    """Text of an uploaded file: UTF-8 (BOM or not), else Windows-1252 (Excel's default)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_rows(text: str, region: str, *, ask_without_evidence: bool) -> list[ParsedRow]:
    """Parse a whole CSV file into rows; bad numbers and in-file duplicates are row errors.

    Args:
        text: the file's text.
        region: default region for national numbers.
        ask_without_evidence: rows with an empty consent cell request a subscription
            (double opt-in asks them; see `modembridge.contacts.upsert`).
    """
    records = list(_records(text))
    if len(records) > MAX_FILE_ROWS:
        raise ValidationError("too_many_rows", f"at most {MAX_FILE_ROWS} rows per import", 413)
    if not records:
        return []
    columns, body = _columns(records)
    seen: dict[str, int] = {}
    parsed = []
    for line, cells in body:
        values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in columns}
        if not any(values.values()):
            continue  # blank line
        parsed.append(_row(line, values, region, seen, ask_without_evidence))
    return parsed


def export_rows(contacts: Iterable[Contact], out: TextIO) -> int:
    """Write contacts as CSV (EXPORT_COLUMNS); return how many."""
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for c in contacts:
        changed = c.subscription_changed_at.isoformat() if c.subscription_changed_at else ""
        writer.writerow(
            [
                c.phone,
                _safe(c.first_name),
                _safe(c.last_name),
                _safe(c.email),
                ";".join(c.tags),
                ";".join(c.lists),
                c.subscription,
                changed,
            ]
        )
        count += 1
    return count


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        raise ValidationError("invalid_csv", f"line {reader.line_num}: {exc}", 422) from None


def _columns(
    records: list[tuple[int, list[str]]],
) -> tuple[list[tuple[int, str]], list[tuple[int, list[str]]]]:
    """Column positions and names, and the data rows (the header row removed if present)."""
    first = [_header_key(c) for c in records[0][1]]
    if not any(name in _HEADER_NAMES for name in first):
        return list(enumerate(COLUMNS)), records
    columns = []
    for i, name in enumerate(first):
        if name:
            columns.append((i, _HEADER_NAMES.get(name, "field:" + records[0][1][i].strip())))
    return columns, records[1:]


def _header_key(cell: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", cell.strip().lower()).split())


def _row(
    line: int, values: dict[str, str], region: str, seen: dict[str, int], ask: bool
) -> ParsedRow:
    raw = values.get("phone", "")
    try:
        phone = parse_phone(raw, region)
    except ValidationError as exc:
        return ParsedRow(line, raw, None, str(exc) if raw else "no phone number")
    if phone in seen:
        return ParsedRow(line, raw, None, f"duplicate of line {seen[phone]}")
    seen[phone] = line
    try:
        entry = ContactInput(
            phone=phone,
            first_name=_cell(values, "first_name"),
            last_name=_cell(values, "last_name"),
            email=_cell(values, "email"),
            tags=_labels(values.get("tags", "")),
            lists=_labels(values.get("lists", "")),
            fields={k[6:]: v for k, v in values.items() if k.startswith("field:") and v},
            consent=_consent(values.get("consent", ""), ask),
        )
    except ValueError as exc:
        return ParsedRow(line, raw, None, str(exc))
    return ParsedRow(line, raw, entry)


def _cell(values: dict[str, str], name: str) -> str | None:
    value = values.get(name, "")
    if len(value) > 200 or any(ord(c) < 32 for c in value):
        raise ValueError(f"{name} is too long or contains control characters")
    return value or None


def _labels(cell: str) -> tuple[str, ...]:
    names = [n.strip() for n in _SPLIT.split(cell) if n.strip()]
    if any(len(n) > MAX_LABEL for n in names):
        raise ValueError(f"list and tag names are at most {MAX_LABEL} characters")
    return tuple(dict.fromkeys(names))


def _consent(cell: str, ask: bool) -> ConsentInput | None:
    if not cell:
        return ConsentInput("subscribed", "import") if ask else None
    if " ".join(cell.lower().replace("-", " ").split()) in _OPT_OUT_CELLS | {"opt out"}:
        return ConsentInput("unsubscribed", "import", cell)
    if len(cell) > 1000:
        raise ValueError("consent wording is longer than 1000 characters")
    return ConsentInput("subscribed", "import", cell)


def _safe(value: str) -> str:
    # A cell starting with = + - @ is a formula in spreadsheets (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value

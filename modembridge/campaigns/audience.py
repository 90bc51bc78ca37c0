"""Who a campaign goes to: a list, a tag or a saved segment (validation and SQL).

Segments are an AND of filters on contact fields and subscription status:
`{"field": "subscription", "op": "eq", "value": "subscribed"}`,
`{"field": "fields.city", "op": "in", "value": ["Lyon", "Paris"]}`,
`{"field": "tag", "op": "ne", "value": "churned"}`. Only whitelisted columns and quoted JSON
keys reach the SQL; every value is a bound parameter.

The audience is read in keyset pages (`contact id > cursor ORDER BY id LIMIT n`), so a run
never holds more than one page and a killed run resumes at its cursor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from modembridge.validation import ValidationError

KINDS = ("list", "tag", "segment")
SUBSCRIPTIONS = ("none", "pending", "subscribed", "unsubscribed")
COLUMNS = {
    "subscription": "c.subscription",
    "first_name": "c.first_name",
    "last_name": "c.last_name",
    "name": "c.name",
    "email": "c.email",
    "phone": "c.phone",
    "timezone": "c.timezone",
    "created_at": "c.created_at",
}
OPS = ("eq", "ne", "in", "not_in", "contains", "starts_with", "gt", "gte", "lt", "lte")
PRESENCE_OPS = ("exists", "not_exists")
_COMPARE = {"eq": "=", "ne": "IS NOT", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_NAME = re.compile(r"^[A-Za-z0-9_. :@+-]{1,64}$")
_FIELD_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_FILTERS = 20
MAX_IN = 100
# Marketing that counts toward the frequency cap (sent, on its way, or planned).
CAP_STATUSES = "('queued', 'held', 'sending', 'sent', 'delivered', 'unknown')"


def parse_audience(value: object) -> dict[str, str]:
    """Validate `{"list": NAME}`, `{"tag": NAME}` or `{"segment": NAME}`.

    Raises:
        ValidationError: any other shape.
    """
    if not isinstance(value, dict) or len(value) != 1:
        raise ValidationError(
            "invalid_audience",
            'audience must be {"list": NAME}, {"tag": NAME} or {"segment": NAME}',
        )
    ((kind, name),) = value.items()
    if kind not in KINDS:
        raise ValidationError("invalid_audience", f"audience kind must be one of {KINDS}")
    return {kind: check_name(name, kind)}


def check_name(value: object, what: str) -> str:
    """A list, tag, segment or campaign name: 1-64 plain characters."""
    if not isinstance(value, str) or not _NAME.match(value.strip()):
        raise ValidationError(
            f"invalid_{what}", f"{what} must be 1-64 letters, digits, spaces or _ . : @ + -"
        )
    return value.strip()


def parse_filters(value: object) -> list[dict[str, Any]]:
    """Validate a segment's filters.

    Raises:
        ValidationError: not a list of 1-20 valid filter objects.
    """
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_FILTERS:
        raise ValidationError("invalid_filters", f"filters must be a list of 1-{MAX_FILTERS}")
    return [_parse_filter(item, i) for i, item in enumerate(value)]


def _parse_filter(item: object, index: int) -> dict[str, Any]:
    where = f"filters[{index}]"
    if not isinstance(item, dict) or not {"field", "op"} <= set(item) <= {"field", "op", "value"}:
        raise ValidationError("invalid_filters", f'{where} must be {{"field", "op", "value"}}')
    field, op = item["field"], item["op"]
    special = field in ("tag", "list")
    custom = isinstance(field, str) and field.startswith("fields.")
    if not (special or custom or field in COLUMNS):
        known = ", ".join([*COLUMNS, "tag", "list", "fields.NAME"])
        raise ValidationError("invalid_filters", f"{where}: unknown field {field!r} ({known})")
    if custom and not _FIELD_KEY.match(field[len("fields.") :]):
        raise ValidationError("invalid_filters", f"{where}: bad custom field name {field!r}")
    allowed = ("eq", "ne", "in", "not_in") if special else OPS + PRESENCE_OPS
    if op not in allowed:
        raise ValidationError("invalid_filters", f"{where}: op must be one of {allowed}")
    if op in PRESENCE_OPS:
        return {"field": field, "op": op}
    value = _filter_value(item.get("value"), op, where)
    if field == "subscription":
        values = value if isinstance(value, list) else [value]
        if any(v not in SUBSCRIPTIONS for v in values):
            raise ValidationError(
                "invalid_filters", f"{where}: subscription is one of {SUBSCRIPTIONS}"
            )
    return {"field": field, "op": op, "value": value}


def _filter_value(value: object, op: str, where: str) -> Any:
    scalar = (str, int, float)
    if op in ("in", "not_in"):
        items = value if isinstance(value, list) else []
        ok = 1 <= len(items) <= MAX_IN
        if not ok or not all(isinstance(v, scalar) and not isinstance(v, bool) for v in items):
            raise ValidationError("invalid_filters", f"{where}: value must be a list of 1-{MAX_IN}")
        return value
    if not isinstance(value, scalar) or isinstance(value, bool):
        raise ValidationError("invalid_filters", f"{where}: value must be a string or a number")
    return value


@dataclass(frozen=True)
class AudienceQuery:
    """A keyset-paged query over the audience: `FROM ... WHERE ... AND key > ?`."""

    source: str
    where: str
    params: tuple[Any, ...]
    key: str


def page_sql(query: AudienceQuery) -> str:
    """One page of audience rows with what the planner needs.

    Parameters, in order: since (start of the cap window), *query.params, cursor, limit.
    """
    return (
        "SELECT c.id AS contact_id, c.phone, c.subscription, c.timezone, c.first_name,"
        " c.last_name, c.name, c.email, c.fields,"
        " EXISTS (SELECT 1 FROM suppressions s WHERE s.phone = c.phone) AS suppressed,"
        " (SELECT group_concat(COALESCE(m.sent_at, m.due_at), ' ') FROM messages m"
        "  WHERE m.phone = c.phone AND m.direction = 'out' AND m.kind = 'marketing'"
        f"  AND m.status IN {CAP_STATUSES} AND COALESCE(m.sent_at, m.due_at) > ?)"
        " AS marketing_times"
        f" FROM {query.source} WHERE {query.where} AND {query.key} > ?"
        f" ORDER BY {query.key} LIMIT ?"
    )


def list_query(list_id: int) -> AudienceQuery:
    """Members of one list (walks the list_members primary key)."""
    return AudienceQuery(
        "list_members lm JOIN contacts c ON c.id = lm.contact_id",
        "lm.list_id = ?",
        (list_id,),
        "lm.contact_id",
    )


def tag_query(tag: str) -> AudienceQuery:
    """Contacts with one tag (walks the contact_tags (tag, contact_id) index)."""
    return AudienceQuery(
        "contact_tags t JOIN contacts c ON c.id = t.contact_id", "t.tag = ?", (tag,), "t.contact_id"
    )


def segment_query(filters: list[dict[str, Any]]) -> AudienceQuery:
    """Contacts matching every filter."""
    clauses: list[str] = []
    params: list[Any] = []
    for item in filters:
        sql, values = _filter_sql(item)
        clauses.append(sql)
        params.extend(values)
    return AudienceQuery("contacts c", " AND ".join(clauses) or "1", tuple(params), "c.id")


def _filter_sql(item: dict[str, Any]) -> tuple[str, list[Any]]:
    field, op, value = item["field"], item["op"], item.get("value", "")
    if field in ("tag", "list"):
        return _membership_sql(field, op, value)
    if field.startswith("fields."):
        column = f"json_extract(c.fields, '$.\"{field[len('fields.') :]}\"')"
    else:
        column = COLUMNS[field]
    if op == "exists":
        return f"COALESCE({column}, '') != ''", []
    if op == "not_exists":
        return f"COALESCE({column}, '') = ''", []
    if op in ("in", "not_in"):
        assert isinstance(value, list)
        marks = ",".join("?" * len(value))
        negate = "NOT " if op == "not_in" else ""
        return f"COALESCE({column}, '') {negate}IN ({marks})", list(value)
    if op == "contains":
        return f"instr(lower(COALESCE({column}, '')), lower(?)) > 0", [value]
    if op == "starts_with":
        return f"substr(COALESCE({column}, ''), 1, length(?)) = ?", [value, value]
    return f"{column} {_COMPARE[op]} ?", [value]


def _membership_sql(field: str, op: str, value: Any) -> tuple[str, list[Any]]:
    values = value if isinstance(value, list) else [value]
    marks = ",".join("?" * len(values))
    if field == "tag":
        inner = f"SELECT 1 FROM contact_tags ct WHERE ct.contact_id = c.id AND ct.tag IN ({marks})"
    else:
        inner = (
            "SELECT 1 FROM list_members lm JOIN lists l ON l.id = lm.list_id"
            f" WHERE lm.contact_id = c.id AND l.name IN ({marks})"
        )
    negate = "NOT " if op in ("ne", "not_in") else ""
    return f"{negate}EXISTS ({inner})", values


def count_sql(query: AudienceQuery) -> str:
    """How many audience members may get marketing now (subscribed, not suppressed)."""
    return (
        f"SELECT COUNT(*) FROM {query.source} WHERE {query.where}"
        " AND c.subscription = 'subscribed'"
        " AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.phone = c.phone)"
    )


def member_sql(query: AudienceQuery) -> str:
    """Whether one contact (last parameter) is in the audience."""
    return f"SELECT 1 FROM {query.source} WHERE {query.where} AND c.id = ? LIMIT 1"


def contact_query(phone: str) -> AudienceQuery:
    """A single contact by number, paged like an audience (for previews and flows)."""
    return AudienceQuery("contacts c", "c.phone = ?", (phone,), "c.id")

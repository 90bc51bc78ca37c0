"""Rules and their coupon codes in the store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from modembridge.clock import from_iso, to_iso
from modembridge.rules.engine import CouponSlot
from modembridge.rules.model import Action, Rule
from modembridge.store.db import Database


@dataclass(frozen=True)
class CodeStats:
    """How many codes a rule has and how many were handed out."""

    total: int = 0
    assigned: int = 0


class RuleRepository:
    """CRUD on `rules` and `rule_codes`, each call one transaction."""

    def __init__(self, db: Database) -> None:
        """Use `db` for every read and write."""
        self._db = db

    def all(self) -> list[Rule]:
        """Every rule in evaluation order (priority, id; catch-all rules last)."""
        return load_rules(self._db.connection())

    def get(self, rule_id: int) -> Rule | None:
        """One rule by id."""
        row = (
            self._db.connection().execute("SELECT * FROM rules WHERE id = ?", (rule_id,)).fetchone()
        )
        return rule_from_row(row) if row else None

    def next_priority(self) -> int:
        """A priority after every existing rule (steps of 10 leave room to insert)."""
        row = self._db.connection().execute("SELECT MAX(priority) FROM rules").fetchone()
        return (row[0] // 10 + 1) * 10 if row[0] is not None else 10

    def create(self, rule: Rule, codes: Sequence[str], now: datetime) -> Rule:
        """Store a new rule with its codes; return it with its id."""
        with self._db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO rules (name, keyword, aliases, match, priority, reply,"
                " exhausted_reply, actions, active_from, active_until, enabled, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*_columns(rule), to_iso(now), to_iso(now)),
            )
            rule_id = int(cur.lastrowid or 0)
            _add_codes(conn, rule_id, codes)
        created = self.get(rule_id)
        assert created is not None
        return created

    def update(self, rule: Rule, codes: Sequence[str], now: datetime) -> Rule | None:
        """Replace a rule's definition and add codes; None when the rule does not exist."""
        with self._db.transaction() as conn:
            cur = conn.execute(
                "UPDATE rules SET name = ?, keyword = ?, aliases = ?, match = ?, priority = ?,"
                " reply = ?, exhausted_reply = ?, actions = ?, active_from = ?,"
                " active_until = ?, enabled = ?, updated_at = ? WHERE id = ?",
                (*_columns(rule), to_iso(now), rule.id),
            )
            if cur.rowcount == 0:
                return None
            _add_codes(conn, rule.id, codes)
        return self.get(rule.id)

    def delete(self, rule_id: int) -> bool:
        """Delete a rule and its codes; True if it existed."""
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM rules WHERE id = ?", (rule_id,)).rowcount > 0

    def reorder(self, ids: Sequence[int], now: datetime) -> None:
        """Give the rules priorities 10, 20, 30... in the order of `ids`."""
        with self._db.transaction() as conn:
            conn.executemany(
                "UPDATE rules SET priority = ?, updated_at = ? WHERE id = ?",
                [((i + 1) * 10, to_iso(now), rule_id) for i, rule_id in enumerate(ids)],
            )

    def has_codes(self, rule_id: int) -> bool:
        """True when the rule has a code list (even one fully handed out)."""
        row = (
            self._db.connection()
            .execute("SELECT 1 FROM rule_codes WHERE rule_id = ? LIMIT 1", (rule_id,))
            .fetchone()
        )
        return row is not None

    def code_stats(self) -> dict[int, CodeStats]:
        """Per rule id: codes in total and handed out."""
        rows = self._db.connection().execute(
            "SELECT rule_id, COUNT(*), COUNT(phone) FROM rule_codes GROUP BY rule_id"
        )
        return {r[0]: CodeStats(r[1], r[2]) for r in rows}

    def hits(self) -> dict[int, int]:
        """Per rule id: how many inbound messages it handled."""
        rows = self._db.connection().execute(
            "SELECT rule_id, COUNT(*) FROM rule_runs WHERE rule_id IS NOT NULL GROUP BY rule_id"
        )
        return {r[0]: r[1] for r in rows}


def load_rules(conn: sqlite3.Connection) -> list[Rule]:
    """Every rule, in evaluation order."""
    rules = [rule_from_row(r) for r in conn.execute("SELECT * FROM rules")]
    return sorted(rules, key=Rule.sort_key)


def rule_from_row(row: sqlite3.Row) -> Rule:
    """Build a Rule from a `rules` row."""
    return Rule(
        id=row["id"],
        name=row["name"],
        keyword=row["keyword"],
        aliases=tuple(json.loads(row["aliases"])),
        match=row["match"],
        priority=row["priority"],
        reply=row["reply"],
        exhausted_reply=row["exhausted_reply"],
        actions=tuple(_action(a) for a in json.loads(row["actions"])),
        active_from=from_iso(row["active_from"]) if row["active_from"] else None,
        active_until=from_iso(row["active_until"]) if row["active_until"] else None,
        enabled=bool(row["enabled"]),
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
    )


def coupon_slots(conn: sqlite3.Connection, phone: str) -> dict[int, CouponSlot | None]:
    """For every rule with codes: the code this sender holds, else the next free one, else
    None (the list ran out)."""
    rows = conn.execute(
        "SELECT r.rule_id,"
        " (SELECT code FROM rule_codes WHERE rule_id = r.rule_id AND phone = ?) AS held,"
        " (SELECT code FROM rule_codes WHERE rule_id = r.rule_id AND phone IS NULL"
        "  ORDER BY id LIMIT 1) AS free"
        " FROM (SELECT DISTINCT rule_id FROM rule_codes) r",
        (phone,),
    )
    slots: dict[int, CouponSlot | None] = {}
    for rule_id, held, free in rows:
        if held is not None:
            slots[rule_id] = CouponSlot(held, held=True)
        else:
            slots[rule_id] = CouponSlot(free, held=False) if free is not None else None
    return slots


def assign_code(
    conn: sqlite3.Connection,
    rule_id: int,
    code: str,
    phone: str,
    message_id: int | None,
    now: datetime,
) -> bool:
    """Hand a free code to `phone`; False if somebody holds it already."""
    cur = conn.execute(
        "UPDATE rule_codes SET phone = ?, assigned_at = ?, message_id = ?"
        " WHERE rule_id = ? AND code = ? AND phone IS NULL",
        (phone, to_iso(now), message_id, rule_id, code),
    )
    return cur.rowcount > 0


def _columns(rule: Rule) -> tuple[object, ...]:
    return (
        rule.name,
        rule.keyword,
        json.dumps(list(rule.aliases), ensure_ascii=False),
        rule.match,
        rule.priority,
        rule.reply,
        rule.exhausted_reply,
        json.dumps([a.to_json() for a in rule.actions], ensure_ascii=False),
        to_iso(rule.active_from) if rule.active_from else None,
        to_iso(rule.active_until) if rule.active_until else None,
        int(rule.enabled),
    )


def _add_codes(conn: sqlite3.Connection, rule_id: int, codes: Sequence[str]) -> None:
    conn.executemany(
        "INSERT INTO rule_codes (rule_id, code) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(rule_id, code) for code in codes],
    )


def _action(data: dict[str, object]) -> Action:
    kind = str(data["type"])
    if kind == "webhook":
        return Action(kind, str(data["url"]), secret=str(data["secret"]))
    if kind == "handover":
        minutes = data["minutes"]
        return Action(kind, minutes=minutes if isinstance(minutes, int) else 60)
    return Action(kind, str(data.get("list") or data.get("tag") or ""))

"""Upgrading a database made by the first schema: every later migration applies in order
and what was there stays readable through today's repositories."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from modembridge.store import Database, load_migrations, migrate
from modembridge.store.queries import MessageQueries
from modembridge.store.tokens import TokenRepository, hash_token

T0 = "2026-01-02T03:04:05.000000+00:00"


def make_schema_one_database(path: Path) -> None:
    """A database exactly as the first release wrote it, with one row of each kind."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, load_migrations()[:1])
    conn.executescript(
        f"""
        INSERT INTO contacts (phone, name, created_at, updated_at)
            VALUES ('+15551234567', 'Ada', '{T0}', '{T0}');
        INSERT INTO messages (direction, phone, modem, text, kind, status, encoding, segments,
                              idempotency_key, created_at, sent_at)
            VALUES ('out', '+15551234567', 'main', 'Your order shipped', 'transactional',
                    'sent', 'gsm7', 1, 'order-1', '{T0}', '{T0}');
        INSERT INTO message_parts (message_id, seq, modem, mr, status, sent_at)
            VALUES (1, 1, 'main', 42, 'sent', '{T0}');
        INSERT INTO messages (direction, phone, modem, text, status, created_at)
            VALUES ('in', '+15551234567', 'main', 'Thanks!', 'received', '{T0}');
        INSERT INTO api_tokens (name, token_hash, created_at)
            VALUES ('shop', '{hash_token("mb_old-token")}', '{T0}');
        """
    )
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_schema_one_database_upgrades_to_latest_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    make_schema_one_database(path)
    db = Database(path)
    try:
        assert db.version == len(load_migrations())
        thread = MessageQueries(db).conversation("+15551234567")
        assert [(m.direction, m.text, m.status) for m in thread] == [
            ("out", "Your order shipped", "sent"),
            ("in", "Thanks!", "received"),
        ]
        assert MessageQueries(db).part_references(1) == [42]
        now = datetime(2026, 11, 27, tzinfo=UTC)
        assert TokenRepository(db).verify("mb_old-token", now) == "shop"
        assert db.connection().execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.connection().execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


def test_every_migration_applies_on_top_of_the_previous_one(tmp_path: Path) -> None:
    steps = load_migrations()
    conn = sqlite3.connect(tmp_path / "stepwise.db", isolation_level=None)
    for count in range(1, len(steps) + 1):
        assert migrate(conn, steps[:count]) == count
    conn.close()

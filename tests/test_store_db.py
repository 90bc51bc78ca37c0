"""The database layer: WAL, migrations by user_version, refusal of newer or corrupt files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from modembridge.store import Database, Migration, StoreError, load_migrations, migrate


def test_new_database_is_migrated_to_latest_in_wal_mode(tmp_path: Path) -> None:
    db = Database(tmp_path / "new.db")
    conn = db.connection()
    assert db.version == len(load_migrations())
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"contacts", "messages", "message_parts", "inbound_parts", "api_tokens"} <= tables
    db.close()


def test_reopening_keeps_data_and_version(tmp_path: Path) -> None:
    path = tmp_path / "keep.db"
    db = Database(path)
    with db.transaction() as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('a', 'b')")
    version = db.version
    db.close()
    again = Database(path)
    assert again.version == version
    row = again.connection().execute("SELECT value FROM settings WHERE key='a'").fetchone()
    assert row["value"] == "b"
    again.close()


def test_database_newer_than_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(StoreError, match="newer than this modembridge"):
        Database(path)


def test_corrupt_file_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"corrupt\.db"):
        Database(path)


def test_failed_migration_rolls_back_whole_step(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    steps = [
        Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);"),
        Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);"),
    ]
    with pytest.raises(StoreError, match=r"0002_b\.sql"):
        migrate(conn, steps)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert names == {"a"}


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = Database(tmp_path / "tx.db")
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('k', 'v')")
        raise RuntimeError("boom")
    assert db.connection().execute("SELECT COUNT(*) FROM settings").fetchone()[0] == 0
    db.close()

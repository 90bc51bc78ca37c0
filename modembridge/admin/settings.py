"""Key/value settings in the `settings` table (schema 1): small, durable, one row per key."""

from __future__ import annotations

from modembridge.store.db import Database


class SettingsStore:
    """Read and write text settings."""

    def __init__(self, db: Database) -> None:
        """Use `db` for every read and write."""
        self._db = db

    def get(self, key: str) -> str | None:
        """The value of `key`, or None when it was never set."""
        row = (
            self._db.connection()
            .execute("SELECT value FROM settings WHERE key = ?", (key,))
            .fetchone()
        )
        return None if row is None else str(row[0])

    def put(self, key: str, value: str) -> None:
        """Set `key` to `value` (insert or replace)."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def put_if_absent(self, key: str, value: str) -> bool:
        """Set `key` only if it has no value yet; True when this call set it.

        One statement inside BEGIN IMMEDIATE, so two first-run setups racing each other
        cannot both win.
        """
        with self._db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, value),
            )
        return cur.rowcount == 1

"""Refused PINs remembered in the store, so no restart ever spends another SIM attempt.

Only a hash of (modem, PIN) is kept: a different PIN in the config is tried once; the same
one never again until an operator resets it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime

from modembridge.clock import to_iso
from modembridge.store.db import Database


def _key(modem_name: str) -> str:
    return f"modem.{modem_name}.refused_pin"


def _digest(modem_name: str, pin: str) -> str:
    return hashlib.sha256(f"{modem_name}\x1f{pin}".encode()).hexdigest()


class StoredPinGuard:
    """`modembridge.modem.api.PinGuard` on the `settings` table."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        """Keep refusals in `db`; `clock` stamps them."""
        self._db = db
        self._clock = clock

    def refused(self, modem_name: str, pin: str) -> str | None:
        """The reason this PIN was refused before, or None."""
        row = (
            self._db.connection()
            .execute("SELECT value FROM settings WHERE key = ?", (_key(modem_name),))
            .fetchone()
        )
        if row is None:
            return None
        record = json.loads(row[0])
        if record.get("pin_sha256") != _digest(modem_name, pin):
            return None
        return f"{record['reason']} (refused {record['at']}; not sent again)"

    def record_refusal(self, modem_name: str, pin: str, reason: str) -> None:
        """Remember the refusal durably before anything else can happen."""
        value = json.dumps(
            {"pin_sha256": _digest(modem_name, pin), "reason": reason, "at": to_iso(self._clock())}
        )
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (_key(modem_name), value),
            )

    def forget(self, modem_name: str) -> None:
        """Allow one attempt again (operator action)."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM settings WHERE key = ?", (_key(modem_name),))

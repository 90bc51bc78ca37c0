"""API tokens: shown once at creation, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from modembridge.clock import to_iso
from modembridge.store.db import Database

TOKEN_PREFIX = "mb_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """The stored form of a token (tokens are random, so a plain hash is enough)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenRepository:
    """Create, check and revoke API tokens."""

    def __init__(self, db: Database) -> None:
        """Use `db` for every read and write."""
        self._db = db

    def create(self, name: str, now: datetime) -> str:
        """Make a token named `name`; return it (the only time it exists in clear)."""
        clean = name.strip()
        if not clean or len(clean) > 64 or any(ord(c) < 32 for c in clean):
            raise ValueError("token name must be 1-64 printable characters")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO api_tokens (name, token_hash, created_at) VALUES (?, ?, ?)",
                (clean, hash_token(token), to_iso(now)),
            )
        return token

    def verify(self, token: str, now: datetime) -> str | None:
        """The token's name when it is valid and not revoked, else None."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
            return None
        digest = hash_token(token)
        row = (
            self._db.connection()
            .execute(
                "SELECT id, name, token_hash FROM api_tokens WHERE token_hash = ?"
                " AND revoked_at IS NULL",
                (digest,),
            )
            .fetchone()
        )
        if row is None or not hmac.compare_digest(row["token_hash"], digest):
            return None
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (to_iso(now), row["id"])
            )
        name: str = row["name"]
        return name

    def revoke(self, name: str, now: datetime) -> int:
        """Revoke every token called `name`; return how many."""
        with self._db.transaction() as conn:
            cur = conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (to_iso(now), name),
            )
        return cur.rowcount

"""SQLite access: WAL, durable commits, versioned migrations, one connection per thread.

Migrations are numbered files `migrations/NNNN_name.sql`; `PRAGMA user_version` records the
last one applied. Each is applied in its own transaction together with the version bump, so a
crash mid-migration leaves the previous version intact (the zigpy appdb approach).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

_MIGRATION_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class StoreError(RuntimeError):
    """The database cannot be used (corrupt, newer than this code, unwritable)."""


@dataclass(frozen=True)
class Migration:
    """One numbered schema step."""

    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """Return the packaged migrations in order; numbering must be 1..N without gaps."""
    found: list[Migration] = []
    for entry in resources.files("modembridge.store.migrations").iterdir():
        match = _MIGRATION_RE.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise StoreError(f"migration files are not numbered 1..N: {[m.name for m in found]}")
    return found


def connect(path: Path) -> sqlite3.Connection:
    """Open one connection with the pragmas every connection needs."""
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit (an accepted message, an opt-out) survives power loss on an SD card.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The `PRAGMA user_version` of an open database."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: list[Migration] | None = None) -> int:
    """Apply pending migrations; return the resulting version.

    Raises:
        StoreError: the database is newer than this code, or a migration failed (rolled back).
    """
    steps = load_migrations() if migrations is None else migrations
    current = schema_version(conn)
    latest = steps[-1].version if steps else 0
    if current > latest:
        raise StoreError(
            f"database schema version {current} is newer than this modembridge ({latest}); "
            "upgrade modembridge or restore a backup"
        )
    for step in steps[current:]:
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{step.sql}\nPRAGMA user_version = {step.version};\nCOMMIT;"
            )
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(f"migration {step.name} failed: {exc}") from exc
    return schema_version(conn)


class Database:
    """Thread-safe access: each thread gets its own connection to the same file."""

    def __init__(self, path: Path) -> None:
        """Open (creating if needed), check integrity and migrate the database at `path`."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        conn = self.connection()
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a usable SQLite database: {exc}") from exc
        if check != "ok":
            raise StoreError(f"{path}: integrity check failed: {check}")
        self.version = migrate(conn)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = connect(self.path)
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: cannot open database: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Close every thread's connection (call once, at shutdown)."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

"""Durable storage: SQLite in WAL mode with versioned migrations."""

from modembridge.store.db import Database, Migration, StoreError, load_migrations, migrate

__all__ = ["Database", "Migration", "StoreError", "load_migrations", "migrate"]

"""`modembridge contacts import FILE.csv`: the command's logic (the click wiring is in cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from modembridge.config import ConfigError, find_config_file, load_config
from modembridge.contacts.importer import ImportReport
from modembridge.contacts.service import ContactsService
from modembridge.store.db import Database, StoreError
from modembridge.validation import ValidationError


def import_command(path: Path, *, list_name: str | None, ask: bool, config_path: str | None) -> int:
    """Import a CSV file into the configured database with a progress bar; return the exit
    code (0 even when some rows were refused: they are listed, not fatal)."""
    try:
        config = load_config(find_config_file(config_path))
        db = Database(config.storage.path)
    except (ConfigError, StoreError) as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    bar = _Bar()
    try:
        service = ContactsService(db, config.compliance)
        report = service.import_csv(
            path, list_name=list_name, actor="cli", ask_without_evidence=ask, progress=bar.update
        )
    except ValidationError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    finally:
        bar.close()
        db.close()
    print_report(report)
    return 0


def print_report(report: ImportReport) -> None:
    """A summary line, then one line per refused row and per warning."""
    click.echo(
        f"{report.rows} rows: {report.created} created, {report.updated} updated, "
        f"{len(report.errors)} refused; {report.subscribed} subscribed, {report.pending} "
        f"pending ({report.requests_queued} confirmation requests queued), "
        f"{report.unsubscribed} unsubscribed"
    )
    for problem in report.errors:
        click.echo(f"line {problem.line}: {problem.phone!r}: {problem.message}")
    for problem in report.warnings:
        click.echo(f"line {problem.line}: {problem.phone!r}: note: {problem.message}")


class _Bar:
    """A click progress bar created once the number of rows is known."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._done = 0

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="Importing", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)

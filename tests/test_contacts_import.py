"""CSV import/export of contacts, through the service and the `contacts import` command."""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from keywords_helpers import World
from modembridge.store.db import Database
from procs import CLI

CSV = """Phone,First Name,Last Name,E-mail,Tags,Lists,Consent,City
(555) 000-1111,Ada,Lovelace,ada@example.com,vip;early,news,"web form 2026-03-01: Yes, text me",Paris
+1 555 000 2222,Bob,,,,,,Lyon
not a number,Cy,,,,,,
555-000-1111,Ada again,,,,,,
+15550003333,Di,,,,,no,
,,,,,,,
+15550004444,Ed,,,,"a|b",,
"""


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.close()


def test_import_with_header_reports_bad_rows_and_applies_consent(world: World) -> None:
    progress: list[tuple[int, int]] = []
    report = world.services.contacts.import_csv(
        CSV.encode(), list_name="spring", progress=lambda d, t: progress.append((d, t))
    )
    assert report.rows == 6 and report.created == 4 and report.updated == 0
    problems = [(p.line, p.message) for p in report.errors]
    assert problems[0][0] == 4 and "not a phone number" in problems[0][1]
    assert problems[1] == (5, "duplicate of line 2")
    assert (report.subscribed, report.pending, report.unsubscribed) == (1, 2, 1)
    assert report.requests_queued == 2 and progress[-1] == (6, 6)
    ada = world.services.contacts.get("+15550001111")
    assert ada is not None and ada.subscription == "subscribed" and ada.email == "ada@example.com"
    assert ada.tags == ("early", "vip") and ada.lists == ("news", "spring")
    assert ada.fields == {"City": "Paris"}
    assert ada.consent[0].wording == "web form 2026-03-01: Yes, text me"
    assert ada.consent[0].source == "import"
    ed = world.services.contacts.get("+15550004444")
    assert ed is not None and ed.lists == ("a", "b", "spring") and ed.subscription == "pending"
    di = world.services.contacts.get("+15550003333")
    assert di is not None and di.subscription == "unsubscribed" and di.suppressed
    assert world.replies("+15550002222")[0].startswith("Acme: Reply YES to confirm")


def test_headerless_semicolon_file_and_no_requests(world: World) -> None:
    text = "\ufeff+15550001111;Ada;Lovelace\n+15550002222;Bob;Builder\n"
    report = world.services.contacts.import_csv(text, ask_without_evidence=False)
    assert report.created == 2 and report.requests_queued == 0 and report.errors == []
    bob = world.services.contacts.get("+15550002222")
    assert bob is not None and (bob.first_name, bob.last_name, bob.subscription) == (
        "Bob",
        "Builder",
        "none",
    )
    again = world.services.contacts.import_csv(text.encode("cp1252", errors="ignore"))
    assert again.updated == 2 and again.created == 0


def test_export_round_trip(world: World) -> None:
    world.services.contacts.import_csv(CSV)
    world.services.contacts.upsert({"phone": "+15550005555", "first_name": "=cmd()"}, actor="t")
    out = io.StringIO()
    assert world.services.contacts.export_csv(out) == 5
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["phone"] == "+15550001111" and rows[0]["tags"] == "early;vip"
    assert rows[0]["subscription"] == "subscribed"
    assert rows[-1]["first_name"] == "'=cmd()"  # no spreadsheet formula injection
    news = io.StringIO()
    assert world.services.contacts.export_csv(news, list_name="news") == 1


def test_cli_import_prints_progress_and_row_errors(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = tmp_path / "modembridge.toml"
    config.write_text(f'[storage]\npath = "{data / "bridge.db"}"\n[compliance]\nbrand = "Shop"\n')
    file = tmp_path / "contacts.csv"
    file.write_text(CSV)
    result = subprocess.run(
        [*CLI, "contacts", "import", str(file), "--list", "spring", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "6 rows: 4 created, 0 updated, 2 refused" in result.stdout
    assert "line 4: 'not a number':" in result.stdout
    assert "line 5: '555-000-1111': duplicate of line 2" in result.stdout
    assert "Importing" in result.stderr  # the progress bar
    db = Database(data / "bridge.db")
    try:
        rows = db.connection().execute(
            "SELECT COUNT(*) FROM list_members m JOIN lists l ON l.id = m.list_id"
            " WHERE l.name = 'spring'"
        )
        assert rows.fetchone()[0] == 4
        request = (
            db.connection()
            .execute("SELECT text FROM messages WHERE phone = '+15550002222'")
            .fetchone()
        )
        assert request[0].startswith("Shop: Reply YES to confirm")
    finally:
        db.close()
    missing = subprocess.run(
        [*CLI, "contacts", "import", str(tmp_path / "nope.csv"), "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode != 0 and "nope.csv" in missing.stderr

"""/api/v1/contacts and /api/v1/lists on the real Flask app and a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from modembridge.services import Services, ServiceSettings
from modembridge.store import Database
from modembridge.web import create_app

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
Env = tuple[FlaskClient, Services, dict[str, str]]
ADA = "+15550001111"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    db = Database(tmp_path / "contacts.db")
    services = Services(db, [], ServiceSettings(), clock=lambda: NOW)
    app = create_app(services, secret_key=b"k" * 32, testing=True)
    token = services.tokens.create("shop", NOW)
    yield app.test_client(), services, {"Authorization": f"Bearer {token}"}
    db.close()


def call(env: Env, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
    client, _, headers = env
    response = client.open(f"/api/v1{path}", method=method, json=body, headers=headers, **kw)
    return response.status_code, response.get_json(silent=True) or response.get_data(True)


def test_create_update_and_read_with_consent_history(env: Env) -> None:
    consent = {"status": "subscribed", "source": "web", "wording": "I agree to texts"}
    status, body = call(
        env, "POST", "/contacts", {"phone": "555-000-1111", "name": "Ada", "lists": ["vip"]}
    )
    assert status == 201 and body["subscription"] == "none" and body["lists"] == ["vip"]
    status, body = call(env, "POST", "/contacts", {"phone": ADA, "consent": consent})
    assert status == 200 and body["subscription"] == "subscribed" and body["warnings"] == []
    status, body = call(env, "GET", f"/contacts/{ADA}")
    assert status == 200 and body["name"] == "Ada"
    (event,) = body["consent_history"]
    assert event["actor"] == "api:shop" and event["wording"] == "I agree to texts"
    assert call(env, "GET", "/contacts/+15559999999")[0] == 404


def test_subscription_without_evidence_goes_pending(env: Env) -> None:
    _, services, _ = env
    status, body = call(
        env, "POST", "/contacts", {"phone": ADA, "consent": {"status": "subscribed"}}
    )
    assert status == 201 and body["subscription"] == "pending"
    (request,) = services.messages.conversation(ADA)
    assert request.text.startswith("Acme: Reply YES to confirm") and request.kind == "transactional"


def test_search_consent_endpoint_and_erasure(env: Env) -> None:
    for i in range(3):
        call(env, "POST", "/contacts", {"phone": f"+1555000111{i}", "first_name": f"P{i}"})
    status, body = call(env, "GET", "/contacts?q=P1&limit=10")
    assert status == 200 and body["total"] == 1 and body["contacts"][0]["first_name"] == "P1"
    status, body = call(
        env, "POST", "/contacts/+15550001110/consent", {"status": "unsubscribed", "wording": "call"}
    )
    assert status == 200 and body["suppressed"] and body["consent_history"][0]["source"] == "api"
    assert call(env, "DELETE", "/contacts/+15550001110") == (200, {"deleted": "+15550001110"})
    assert call(env, "DELETE", "/contacts/+15550001110")[0] == 404
    _, services, _ = env
    row = services.db.connection().execute("SELECT reason FROM suppressions").fetchone()
    assert row is not None  # the opt-out outlives the erasure
    assert call(env, "GET", "/contacts?limit=0")[0] == 400


def test_lists_and_csv_import_export(env: Env) -> None:
    assert call(env, "POST", "/lists", {"name": "news"})[0] == 201
    csv_text = "phone,first_name,consent\n+15550001111,Ada,yes please\nbad,Bob,\n"
    status, report = call(env, "POST", "/contacts/import?list=news", data=csv_text)
    assert status == 200 and report["created"] == 1 and report["subscribed"] == 1
    assert report["errors"][0]["line"] == 3
    status, lists = call(env, "GET", "/lists")
    assert lists["lists"][0]["name"] == "news" and lists["lists"][0]["members"] == 1
    status, text = call(env, "GET", "/contacts/export?list=news")
    assert status == 200 and text.splitlines()[1].startswith("+15550001111,Ada")
    assert call(env, "DELETE", "/lists/news")[0] == 200
    assert call(env, "DELETE", "/lists/news")[0] == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"phone": "12"}, "invalid_number"),
        ({"phone": ADA, "consent": {"status": "yes"}}, "invalid_consent"),
        ({"phone": ADA, "tags": [""]}, "invalid_tags"),
        ({"name": "no phone"}, "invalid_number"),
    ],
)
def test_bad_contacts_get_a_clear_error(env: Env, body: dict[str, Any], code: str) -> None:
    status, error = call(env, "POST", "/contacts", body)
    assert status == 422 and error["error"]["code"] == code

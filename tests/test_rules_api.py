"""/api/v1/rules on the real Flask app and a real SQLite file, and the dry run."""

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


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    db = Database(tmp_path / "rules.db")
    services = Services(db, [], ServiceSettings(max_parts=3), clock=lambda: NOW)
    app = create_app(services, secret_key=b"k" * 32, testing=True)
    token = services.tokens.create("test", NOW)
    yield app.test_client(), services, {"Authorization": f"Bearer {token}"}
    db.close()


def call(env: Env, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    client, _, headers = env
    response = client.open(f"/api/v1{path}", method=method, json=body, headers=headers)
    return response.status_code, response.get_json()


DISCOUNT = {
    "keyword": "DISCOUNT",
    "match": "first_word",
    "reply": "Use code WARM30 for 30% off, {first_name}!",
}


def test_create_list_get_edit_delete(env: Env) -> None:
    status, created = call(env, "POST", "/rules", DISCOUNT)
    assert status == 201 and created["priority"] == 10 and created["match"] == "first_word"
    status, second = call(env, "POST", "/rules", {"match": "any", "reply": "Got it"})
    assert status == 201 and second["priority"] == 20
    assert [r["id"] for r in call(env, "GET", "/rules")[1]["rules"]] == [
        created["id"],
        second["id"],
    ]
    status, patched = call(env, "PATCH", f"/rules/{created['id']}", {"aliases": ["DEAL"]})
    assert (
        status == 200 and patched["aliases"] == ["DEAL"] and patched["reply"] == DISCOUNT["reply"]
    )
    status, replaced = call(
        env, "PUT", f"/rules/{created['id']}", {"keyword": "SALE", "reply": "x"}
    )
    assert status == 200 and replaced["aliases"] == [] and replaced["priority"] == 10
    assert call(env, "GET", f"/rules/{created['id']}")[1]["keyword"] == "SALE"
    assert call(env, "DELETE", f"/rules/{created['id']}") == (200, {"deleted": created["id"]})
    assert call(env, "DELETE", f"/rules/{created['id']}")[0] == 404
    assert call(env, "GET", f"/rules/{created['id']}")[0] == 404


def test_reorder(env: Env) -> None:
    ids = [
        call(env, "POST", "/rules", {"keyword": f"K{i}", "reply": "x"})[1]["id"] for i in range(3)
    ]
    status, body = call(env, "POST", "/rules/order", {"ids": ids[::-1]})
    assert status == 200 and [r["id"] for r in body["rules"]] == ids[::-1]
    status, error = call(env, "POST", "/rules/order", {"ids": ids[:2]})
    assert status == 422 and error["error"]["code"] == "invalid_order"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"keyword": "X", "reply": "Hi {nickname}"}, "unknown_placeholder"),
        ({"keyword": "(x+)+y", "match": "regex", "reply": "x"}, "invalid_regex"),
        ({"keyword": "STOP", "reply": "x"}, "reserved_keyword"),
        ({"keyword": "X", "reply": "ж" * 400}, "reply_too_long"),
    ],
)
def test_bad_rules_get_a_clear_422(env: Env, body: dict[str, Any], code: str) -> None:
    status, error = call(env, "POST", "/rules", body)
    assert status == 422 and error["error"]["code"] == code and error["error"]["message"]


def test_auth_and_bad_json(env: Env) -> None:
    client, _, headers = env
    assert client.get("/api/v1/rules").status_code == 401
    response = client.post("/api/v1/rules", data="nope", headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"
    assert call(env, "PATCH", "/rules/999", {"reply": "x"})[0] == 404


def test_dry_run_shows_what_would_happen_without_changing_anything(env: Env) -> None:
    _, services, _ = env
    call(
        env,
        "POST",
        "/rules",
        {
            "keyword": "COUPON",
            "reply": "Code {coupon}",
            "codes": ["A-1", "A-2"],
            "actions": [{"type": "tag", "tag": "coupon"}],
        },
    )
    status, result = call(
        env, "POST", "/rules/dry-run", {"phone": "(555) 000-1111", "text": "coupon!"}
    )
    assert status == 200
    assert result["phone"] == "+15550001111" and result["reply"] == "Code A-1"
    assert result["matched"]["type"] == "rule" and result["would_reply"] is True
    assert result["effects"] == [
        {"type": "coupon", "rule_id": result["matched"]["rule"]["id"], "code": "A-1"},
        {"type": "tag", "tag": "coupon"},
    ]
    stop = services.rules.dry_run("+15550001111", "please stop texting me")
    assert stop["matched"] == {"type": "compliance", "intent": "opt_out", "keyword": "stop texting"}
    assert [e["type"] for e in stop["effects"]] == [
        "subscription",
        "suppress",
        "cancel_queued_marketing",
    ]
    short_code = services.rules.dry_run("12345", "coupon")
    assert short_code["would_reply"] is False and "short codes" in short_code["reply_blocked"]
    nothing = services.rules.dry_run("+15550001111", "what time do you open?")
    assert nothing["matched"] is None and nothing["reply"] is None
    db = services.db.connection()
    assert db.execute("SELECT COUNT(*) FROM rule_codes WHERE phone IS NOT NULL").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
    assert call(env, "POST", "/rules/dry-run", {"phone": "+12", "text": "x"})[0] == 422
    assert call(env, "POST", "/rules/dry-run", {"phone": "+15550001111", "text": ""})[0] == 422

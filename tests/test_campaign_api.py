"""REST API for campaigns, segments, flows and events on the real Flask app and SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from campaign_data import add_contact, add_list
from modembridge.campaigns.flow_service import FlowService
from modembridge.campaigns.service import CampaignService
from modembridge.campaigns.settings import AutomationSettings
from modembridge.services import Services
from modembridge.store import Database
from modembridge.web import create_app

NOW = datetime(2026, 6, 15, 14, 0, tzinfo=UTC)
SALE = {
    "name": "Flash sale",
    "text": "Hi {first_name|there}, 30% off today",
    "audience": {"list": "vip"},
    "schedule": {"at": "2026-06-16T14:00:00Z"},
}


class Api:
    def __init__(self, client: FlaskClient, token: str, services: Services) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}
        self.services = services

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self.headers)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    db = Database(tmp_path / "api.db")
    services = Services(db, [], clock=lambda: NOW)
    settings = AutomationSettings()
    services.campaigns = CampaignService(db, settings, clock=lambda: NOW)
    services.flows = FlowService(db, settings, clock=lambda: NOW)
    app = create_app(services, secret_key=b"k" * 32, testing=True)
    vip = add_list(db.connection(), "vip")
    add_contact(db.connection(), "+12125550101", first_name="Ana", lists=[vip])
    add_contact(db.connection(), "+12125550102", "pending", lists=[vip])
    yield Api(app.test_client(), services.tokens.create("test", NOW), services)
    db.close()


def error_code(response: Any, status: int) -> str:
    assert response.status_code == status, response.get_json()
    return str(response.get_json()["error"]["code"])


def test_create_get_list_and_control(api: Api) -> None:
    created = api.post("/campaigns", SALE)
    assert created.status_code == 201
    body = created.get_json()
    assert body["status"] == "scheduled" and body["next_run_at"].startswith("2026-06-16T14:00")
    assert body["eta"]["basis"] == "estimate" and body["eta"]["recipients"] == 1
    assert set(body["progress"]) >= {"total", "queued", "sent", "delivered", "failed", "skipped"}
    one = api.get(f"/campaigns/{body['id']}").get_json()
    assert one["runs"][0]["status"] == "planned"
    assert [c["id"] for c in api.get("/campaigns").get_json()["campaigns"]] == [body["id"]]

    assert api.post(f"/campaigns/{body['id']}/pause").get_json()["status"] == "paused"
    assert error_code(api.post(f"/campaigns/{body['id']}/pause"), 409) == "conflict"
    assert api.post(f"/campaigns/{body['id']}/resume").get_json()["status"] == "scheduled"
    assert api.post(f"/campaigns/{body['id']}/cancel").get_json()["status"] == "cancelled"
    assert error_code(api.post(f"/campaigns/{body['id']}/explode"), 404) == "not_found"
    assert error_code(api.get("/campaigns/999"), 404) == "not_found"


def test_preview_per_recipient(api: Api) -> None:
    campaign_id = api.post("/campaigns", SALE).get_json()["id"]
    ana = api.get(f"/campaigns/{campaign_id}/preview?phone=(212) 555-0101").get_json()
    assert ana["text"] == "Acme: Hi Ana, 30% off today\nReply STOP to opt out"
    assert ana["eligible"] and ana["in_audience"] and ana["segments"] == 1
    pending = api.get(f"/campaigns/{campaign_id}/preview?phone=%2B12125550102").get_json()
    assert pending["skip_reason"] == "pending" and not pending["eligible"]
    stranger = api.get(f"/campaigns/{campaign_id}/preview?phone=%2B12125550199").get_json()
    assert stranger["skip_reason"] == "not_a_contact"
    assert stranger["text"].startswith("Acme: Hi there")
    assert error_code(api.get(f"/campaigns/{campaign_id}/preview"), 400) == "invalid_query"
    bad = api.get(f"/campaigns/{campaign_id}/preview?phone=abc")
    assert error_code(bad, 422) == "invalid_number"
    unsaved = api.post("/campaigns/preview", {"text": "€ {first_name}", "phone": "+12125550101"})
    assert unsaved.get_json()["text"] == "Acme: € Ana\nReply STOP to opt out"
    estimate = api.post("/campaigns/estimate", {"text": "x", "audience": {"list": "vip"}})
    assert estimate.get_json()["recipients"] == 1


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"name": ""}, 422, "invalid_name"),
        ({"text": "Hi {first name}"}, 422, "invalid_template"),
        ({"text": "x" * 1600}, 413, "text_too_long"),
        ({"text": "x" * 2001}, 413, "text_too_long"),
        ({"text": "bell \x07"}, 422, "control_character"),
        ({"audience": {"list": "nobody"}}, 422, "unknown_audience"),
        ({"audience": {"everyone": True}}, 422, "invalid_audience"),
        ({"audience": {"segment": "ghost"}}, 422, "unknown_audience"),
        ({"schedule": {"cron": "0 10 * * MON"}}, 422, "invalid_schedule"),
        ({"schedule": {"cron": "0 10 * * MON", "timezone": "Nowhere"}}, 422, "invalid_timezone"),
        ({"schedule": {"at": "2020-01-01T00:00:00Z"}}, 422, "invalid_schedule"),
        ({"colour": "red"}, 422, "unknown_field"),
    ],
)
def test_bad_campaigns_get_clear_errors(
    api: Api, change: dict[str, Any], status: int, code: str
) -> None:
    assert error_code(api.post("/campaigns", {**SALE, **change}), status) == code


def test_auth_and_bad_json(api: Api) -> None:
    response = api.client.post("/api/v1/campaigns", json=SALE)
    assert error_code(response, 401) == "unauthorized"
    raw = api.client.post("/api/v1/events", data="{", headers=api.headers)
    assert error_code(raw, 400) == "invalid_json"
    assert error_code(api.get("/campaigns?limit=0"), 400) == "invalid_query"


def test_segments_api(api: Api) -> None:
    filters = [{"field": "subscription", "op": "eq", "value": "subscribed"}]
    created = api.post("/segments", {"name": "subs", "filters": filters})
    assert created.status_code == 201 and created.get_json()["eligible"] == 1
    assert [s["name"] for s in api.get("/segments").get_json()["segments"]] == ["subs"]
    assert api.post("/campaigns", {**SALE, "audience": {"segment": "subs"}}).status_code == 201
    assert api.delete(f"/segments/{created.get_json()['id']}").status_code == 204
    assert error_code(api.delete("/segments/99"), 404) == "not_found"


CART = {
    "name": "Abandoned cart",
    "trigger": "cart_abandoned",
    "steps": [
        {"wait": "1h"},
        {"unless": "order_placed"},
        {"send": "You left {item} in your cart: {cart_url}", "kind": "marketing"},
    ],
}


def test_flows_and_events_api(api: Api) -> None:
    created = api.post("/flows", CART)
    assert created.status_code == 201
    flow = created.get_json()
    assert flow["steps"][2] == CART["steps"][2] and flow["instances"]["waiting"] == 0
    event = {"event": "cart_abandoned", "phone": "+1 212 555 0101",
             "data": {"item": "socks", "cart_url": "https://shop.example/c/1"},
             "idempotency_key": "cart-1"}  # fmt: skip
    accepted = api.post("/events", event)
    assert accepted.status_code == 202
    (instance,) = accepted.get_json()["instances"]
    assert instance["status"] == "waiting" and instance["due_at"].startswith("2026-06-15T15:00")
    again = api.post("/events", event).get_json()
    assert again["duplicate"] and again["event_id"] == accepted.get_json()["event_id"]
    assert api.get("/flows").get_json()["flows"][0]["instances"]["waiting"] == 1
    assert api.delete(f"/flows/{flow['id']}").status_code == 204
    assert api.get("/flows").get_json()["flows"] == []
    assert error_code(api.delete(f"/flows/{flow['id']}"), 404) == "not_found"
    assert error_code(api.get(f"/flows/{flow['id']}"), 404) == "not_found"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**CART, "steps": []}, "invalid_steps"),
        ({**CART, "steps": [{"wait": "1h"}]}, "invalid_steps"),
        ({**CART, "steps": [{"wait": "1 week"}, {"send": "x"}]}, "invalid_wait"),
        ({**CART, "steps": [{"send": "x", "kind": "spam"}]}, "invalid_kind"),
        ({**CART, "steps": [{"send": "x", "wait": "1h"}]}, "invalid_steps"),
        ({**CART, "steps": [{"send": "{"}]}, "invalid_template"),
        ({**CART, "trigger": "cart abandoned!"}, "invalid_event"),
    ],
)
def test_bad_flows_get_clear_errors(api: Api, body: dict[str, Any], code: str) -> None:
    assert error_code(api.post("/flows", body), 422) == code


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"event": "x", "phone": "nope"}, "invalid_number"),
        ({"event": "", "phone": "+12125550101"}, "invalid_event"),
        ({"event": "x", "phone": "+12125550101", "data": [1]}, "invalid_data"),
        ({"event": "x", "phone": "+12125550101", "data": {"a": {"b": 1}}}, "invalid_data"),
        ({"event": "x", "phone": "+12125550101", "data": {"a": "\x1a"}}, "invalid_data"),
        ({"event": "x", "phone": "+12125550101", "idempotency_key": ""}, "invalid_idempotency_key"),
    ],
)
def test_bad_events_get_clear_errors(api: Api, body: dict[str, Any], code: str) -> None:
    assert error_code(api.post("/events", body), 422) == code

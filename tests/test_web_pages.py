"""Admin pages on the real app and database (no bridge running): answers to bad input."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from modembridge.services import Services
from procs import wait_until
from web_helpers import PASSWORD, csrf_token, login, make_app, post_form

Env = tuple[FlaskClient, Services]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    flask_app: Flask
    flask_app, services = make_app(tmp_path)
    services.admin.auth.set_password(PASSWORD)
    client = flask_app.test_client()
    login(client)
    yield client, services
    services.db.close()


def text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined, no-any-return]


def test_compose_errors_keep_the_form(env: Env) -> None:
    client, services = env
    bad = post_form(client, "/compose/preview", {"to": "hello", "text": "Hi <there>"})
    assert bad.status_code == 422
    assert "not a phone number" in text(bad) and "Hi &lt;there&gt;</textarea>" in text(bad)
    past = post_form(
        client,
        "/compose/preview",
        {"to": "+15551230001", "text": "hi", "when": "later", "send_at": "2001-01-01T10:00"},
    )
    assert past.status_code == 422 and "in the past" in text(past)
    no_list = post_form(client, "/compose/preview", {"mode": "list", "to": "vip", "text": "hi"})
    assert no_list.status_code == 422 and "no list called" in text(no_list)
    assert services.db.connection().execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0


def test_compose_transactional_to_a_tag_sends_each_once(env: Env) -> None:
    client, services = env
    for i in range(3):
        services.contacts.upsert({"phone": f"+1555123010{i}", "tags": ["staff"]}, actor="t")
    form = {"mode": "tag", "to": "staff", "text": "Shop closes at 3 today", "key": "k1"}
    preview = post_form(client, "/compose/preview", form)
    assert preview.status_code == 200 and text(preview).count("Shop closes at 3 today") >= 3
    for _ in range(2):  # a resubmitted form sends nothing new
        sent = post_form(client, "/compose/send", form)
        assert sent.status_code == 302 and sent.headers["Location"] == "/conversations"
    rows = services.db.connection().execute("SELECT phone, source FROM messages").fetchall()
    assert sorted(tuple(r) for r in rows) == [(f"+1555123010{i}", "admin") for i in range(3)]


def test_reply_errors_and_unknown_threads(env: Env) -> None:
    client, services = env
    assert client.get("/conversations/+15551230200").status_code == 404
    services.send_message({"to": "+15551230200", "text": "hello"})
    page = client.get("/conversations/+15551230200")
    assert page.status_code == 200 and "hello" in text(page)
    empty = post_form(client, "/conversations/reply/+15551230200", {"text": "   "})
    assert empty.status_code == 422 and "text is empty" in text(empty)


def test_background_refresh_of_a_logged_out_page_gets_401(env: Env, tmp_path: Path) -> None:
    client, _ = env
    live = client.get("/dashboard/live", headers={"X-Requested-With": "fetch"})
    assert live.status_code == 200 and 'id="live-dashboard"' in text(live)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    gone = client.get("/dashboard/live", headers={"X-Requested-With": "fetch"})
    assert gone.status_code == 401 and gone.get_json()["error"]["code"] == "login_required"


def test_contacts_pages(env: Env) -> None:
    client, services = env
    assert client.get("/contacts/+15551230300").status_code == 404
    assert client.get("/contacts/not-a-number").status_code == 404
    added = post_form(
        client, "/contacts/new", {"phone": "(555) 123-0300", "first_name": "Lin", "lists": "a, b"}
    )
    assert added.status_code == 302 and added.headers["Location"] == "/contacts/+15551230300"
    contact = services.contacts.get("+15551230300")
    assert contact is not None and contact.lists == ("a", "b")
    bad_email = post_form(client, "/contacts/+15551230300", {"email": "nope", "lists": "a"})
    assert bad_email.status_code == 422 and "email" in text(bad_email)
    export = client.get("/contacts/export.csv?list=a")
    assert export.headers["Content-Disposition"] == 'attachment; filename="contacts-a.csv"'
    assert "+15551230300,Lin" in text(export)
    erased = post_form(client, "/contacts/+15551230300/delete", {})
    assert erased.status_code == 302 and services.contacts.get("+15551230300") is None


def test_csv_import_job(env: Env) -> None:
    client, services = env
    token = csrf_token(client, "/contacts/import")
    none = client.post("/contacts/import", data={"csrf_token": token})
    assert none.status_code == 422 and "Choose a CSV file" in text(none)
    csv = b"phone,first_name\n+15551230400,Ann\n12,Bad\n"
    started = client.post(
        "/contacts/import",
        data={"csrf_token": token, "file": (io.BytesIO(csv), "a.csv")},
        content_type="multipart/form-data",
    )
    assert started.status_code == 302
    job_path = started.headers["Location"]
    job_id = job_path.rsplit("/", 1)[1]
    wait_until(lambda: services.admin.imports.status(job_id).finished, 20, "import done")
    page = text(client.get(job_path))
    assert "100 %" in page and "2 rows: 1 added" in page and "12" in page
    assert 'data-live="' not in page  # finished: no more refreshing
    assert client.get("/contacts/import/unknown-job").status_code == 404


def test_campaign_pages_need_the_running_scheduler(env: Env) -> None:
    client, _ = env
    page = client.get("/campaigns")
    assert page.status_code == 503 and "scheduler" in text(page)
    assert client.get("/flows").status_code == 503


def test_simulator_page_needs_a_sim_modem(env: Env) -> None:
    client, _ = env
    assert client.get("/simulator").status_code == 404
    assert "Simulator" not in text(client.get("/"))  # not in the menu either


def test_rules_pages(env: Env) -> None:
    client, services = env
    created = post_form(
        client, "/rules/new", {"keyword": "HOURS", "reply": "9-5", "enabled": "yes"}
    )
    assert created.status_code == 302
    (rule,) = services.rules.all()
    edited = post_form(
        client,
        f"/rules/{rule['id']}",
        {"keyword": "HOURS", "reply": "9-6", "active_from": "whenever"},
    )
    assert edited.status_code == 422 and "active from must be a date and time" in text(edited)
    assert services.rules.get(rule["id"])["reply"] == "9-5"
    tried = client.get("/rules?phone=%2B15551230500&text=hours")
    assert "9-5" in text(tried)
    bad_phone = client.get("/rules?phone=12&text=hours")
    assert "is not a" in text(bad_phone) and "phone number" in text(bad_phone)
    machine = client.get("/rules?phone=BANK&text=hours")  # senders like this get no answer
    assert "Rule <strong>HOURS</strong> matches." in text(machine)
    assert "would not be sent" in text(machine)
    assert client.get("/rules/999").status_code == 404
    assert post_form(client, "/rules/999/delete", {}).status_code == 404


def test_compose_later_schedules_the_message(env: Env) -> None:
    client, services = env
    later = (datetime.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    form = {
        "to": "+15551230600",
        "text": "Your appointment is tomorrow",
        "when": "later",
        "send_at": later.strftime("%Y-%m-%dT%H:%M"),
        "key": "later-1",
    }
    preview = post_form(client, "/compose/preview", form)
    assert preview.status_code == 200 and "Scheduled for" in text(preview)
    sent = post_form(client, "/compose/send", form)
    assert sent.status_code == 302
    (record,) = services.messages.conversation("+15551230600")
    assert record.send_at == later.astimezone()
    assert record.status == "queued"

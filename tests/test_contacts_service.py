"""Contacts service on a real SQLite file: consent rules, lists, tags, search, erasure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from keywords_helpers import World
from modembridge.validation import ValidationError

ADA = "+15550001111"
EVIDENCE = {"status": "subscribed", "source": "web", "wording": "Yes, text me offers"}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.close()


def test_create_then_update_merges(world: World) -> None:
    contacts = world.services.contacts
    contact, created, warnings = contacts.upsert(
        {"phone": "(555) 000-1111", "name": "Ada Lovelace", "lists": ["vip"], "tags": ["a"]},
        actor="api:test",
    )
    assert created and warnings == [] and contact.phone == ADA
    assert (contact.first_name, contact.last_name) == ("Ada", "Lovelace")
    assert contact.subscription == "none" and contact.consent == ()
    contact, created, _ = contacts.upsert(
        {"phone": ADA, "email": "ada@example.com", "lists": ["news"], "fields": {"city": "Paris"}},
        actor="api:test",
    )
    assert not created and contact.lists == ("news", "vip") and contact.tags == ("a",)
    assert contact.name == "Ada Lovelace" and contact.fields == {"city": "Paris"}
    contact = contacts.set_labels(ADA, lists=["news"], tags=[])
    assert contact.lists == ("news",) and contact.tags == ()


def test_consent_with_evidence_subscribes_and_is_recorded(world: World) -> None:
    contact, _, _ = world.services.contacts.upsert(
        {"phone": ADA, "consent": EVIDENCE}, actor="api:shop"
    )
    assert contact.subscription == "subscribed"
    (event,) = contact.consent
    assert (event.status, event.source, event.actor, event.wording) == (
        "subscribed",
        "web",
        "api:shop",
        "Yes, text me offers",
    )
    assert world.replies(ADA) == []  # evidence given: no confirmation request


def test_requested_subscription_without_evidence_is_double_opt_in(world: World) -> None:
    requested = {"status": "subscribed"}
    contact, _, _ = world.services.contacts.upsert(
        {"phone": ADA, "consent": requested}, actor="admin:sam", source="admin"
    )
    assert contact.subscription == "pending" and world.wakes == 1
    (request,) = world.replies(ADA)
    assert request.startswith("Acme: Reply YES to confirm")
    world.services.contacts.upsert({"phone": ADA, "consent": requested}, actor="admin:sam")
    assert len(world.replies(ADA)) == 1  # asked once, not again
    world.mo(ADA, "YES")
    contact = world.services.contacts.get(ADA)
    assert contact is not None and [e.status for e in contact.consent] == ["pending", "subscribed"]


def test_without_double_opt_in_no_evidence_means_none(tmp_path: Path) -> None:
    world = World(tmp_path, double_opt_in=False)
    try:
        contact, _, warnings = world.services.contacts.upsert(
            {"phone": ADA, "consent": {"status": "subscribed"}}, actor="api:x"
        )
        assert contact.subscription == "none" and "no consent evidence" in warnings[0]
        assert world.replies(ADA) == []
    finally:
        world.close()


def test_opted_out_number_is_not_asked_or_resubscribed_without_evidence(world: World) -> None:
    world.mo(ADA, "STOP")
    contact, _, warnings = world.services.contacts.upsert(
        {"phone": ADA, "consent": {"status": "subscribed"}}, actor="api:x"
    )
    assert contact.subscription == "unsubscribed" and "not re-subscribed" in warnings[0]
    assert len(world.replies(ADA)) == 1  # only the STOP confirmation
    # An old list imported later, even with a consent column, does not undo the STOP.
    report = world.services.contacts.import_csv(f"phone,consent\n{ADA},signed up 2025\n")
    assert report.subscribed == 0 and report.unsubscribed == 1 and report.warnings
    # Erased, the number stays suppressed: no confirmation request is ever sent to it.
    world.services.contacts.delete(ADA)
    world.services.contacts.upsert({"phone": ADA, "consent": {"status": "subscribed"}}, actor="x")
    assert len(world.replies(ADA)) == 1
    contact = world.services.contacts.get(ADA)
    assert contact is not None and contact.subscription == "none" and contact.suppressed


def test_admin_records_an_opt_out(world: World) -> None:
    world.services.contacts.upsert({"phone": ADA, "consent": EVIDENCE}, actor="api:x")
    contact, _ = world.services.contacts.set_consent(
        ADA, {"status": "unsubscribed", "wording": "asked by phone"}, actor="admin:sam"
    )
    assert contact.subscription == "unsubscribed" and contact.suppressed
    assert contact.consent[-1].source == "admin" and contact.consent[-1].actor == "admin:sam"


def test_search_paging_and_filters(world: World) -> None:
    contacts = world.services.contacts
    for i in range(12):
        lists = ["vip"] if i % 3 == 0 else []
        contacts.upsert(
            {"phone": f"+1555000{i:04d}", "first_name": f"Name{i}", "lists": lists}, actor="t"
        )
    page, total = contacts.search("", limit=5, offset=0)
    assert total == 12 and len(page) == 5 and page[0].first_name == "Name11"
    assert contacts.search("name1", limit=50)[1] == 3  # Name1, Name10, Name11
    assert contacts.search("5550000003")[0][0].first_name == "Name3"
    assert contacts.search("", list_name="vip")[1] == 4
    assert contacts.search("100%")[1] == 0  # LIKE wildcards are literal
    assert [info.name for info in contacts.lists()] == ["vip"]
    with pytest.raises(ValidationError):
        contacts.search("", limit=0)


def test_lists_crud(world: World) -> None:
    contacts = world.services.contacts
    assert contacts.create_list("news").members == 0
    contacts.upsert({"phone": ADA, "lists": ["news"]}, actor="t")
    contacts.rename_list("news", "weekly")
    assert [(i.name, i.members) for i in contacts.lists()] == [("weekly", 1)]
    with pytest.raises(ValidationError) as missing:
        contacts.rename_list("nope", "x")
    assert missing.value.status == 404
    assert contacts.delete_list("weekly") and not contacts.delete_list("weekly")
    contact = contacts.get(ADA)
    assert contact is not None and contact.lists == ()


@pytest.mark.parametrize(
    "body",
    [
        {"phone": "12"},
        {"phone": ADA, "email": "not-an-email"},
        {"phone": ADA, "lists": "vip"},
        {"phone": ADA, "consent": {"status": "maybe"}},
        {"phone": ADA, "consent": {"status": "subscribed", "source": "telepathy"}},
        {"phone": ADA, "colour": "red"},
        {"phone": ADA, "fields": {"nested": {"a": 1}}},
    ],
)
def test_bad_input_is_refused(world: World, body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        world.services.contacts.upsert(body, actor="t")

"""The inbound handler on a real SQLite file: effects, consent records, limits, recovery."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from keywords_helpers import World
from modembridge.store.outbox import NewMessage

ADA = "+15550001111"
BOB = "+15550002222"
CY = "+15550003333"
OPT_OUT = (
    "Acme: You are unsubscribed and will receive no more messages. Reply START to resubscribe."
)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.close()


def marketing(world: World, phone: str, **kw: object) -> int:
    new = NewMessage(phone=phone, text="30% off!", kind="marketing", encoding="gsm7", segments=1)
    record, _ = world.services.outbox.enqueue(replace(new, **kw), world.now)  # type: ignore[arg-type]
    return record.id


def subscribe(world: World, phone: str) -> None:
    consent = {"status": "subscribed", "source": "web", "wording": "Yes, text me offers"}
    world.services.contacts.upsert({"phone": phone, "consent": consent}, actor="test")


def test_coupon_codes_are_unique_per_sender_and_stable(world: World) -> None:
    world.services.rules.create(
        {
            "keyword": "COUPON",
            "reply": "Your code: {coupon}",
            "codes": ["C-1", "C-2"],
            "exhausted_reply": "Sorry, all codes are gone.",
        }
    )
    world.mo(ADA, "coupon")
    world.mo(BOB, "Coupon!")
    world.mo(ADA, "COUPON")
    world.mo(CY, "coupon")
    assert world.replies(ADA) == ["Your code: C-1", "Your code: C-1"]
    assert world.replies(BOB) == ["Your code: C-2"]
    assert world.replies(CY) == ["Sorry, all codes are gone."]
    holders = world.rows("SELECT code, phone FROM rule_codes ORDER BY code")
    assert [tuple(r) for r in holders] == [("C-1", ADA), ("C-2", BOB)]
    (rule,) = world.services.rules.all()
    assert rule["codes"] == {"total": 2, "assigned": 2, "left": 0} and rule["hits"] == 4


def test_reply_is_queued_once_and_wakes_the_modems(world: World) -> None:
    world.services.rules.create({"keyword": "HI", "reply": "Hello {first_name}!"})
    world.services.contacts.upsert({"phone": ADA, "first_name": "Ada"}, actor="test")
    message_id = world.receive(ADA, "hi")
    first = world.handler.handle(message_id)
    assert first is not None and first.reply == "Hello Ada!"
    assert world.handler.handle(message_id) is None  # handled already: nothing again
    world.handler.on_message("main", 99999)  # unknown id: ignored
    (reply,) = world.rows("SELECT * FROM messages WHERE direction = 'out'")
    assert reply["kind"] == "transactional" and reply["source"] == "rule"
    assert reply["idempotency_key"] == f"reply:{message_id}" and world.wakes == 1


def test_stop_opts_out_suppresses_queued_marketing_and_confirms_once(world: World) -> None:
    subscribe(world, ADA)
    promo = marketing(world, ADA, send_at=world.now.replace(hour=18))
    receipt = world.services.outbox.enqueue(
        NewMessage(ADA, "Your order shipped", "transactional", "gsm7", 1), world.now
    )[0]
    stop_id = world.receive(ADA, "Stop!!")
    world.handler.handle(stop_id)
    assert world.status_of(promo) == "suppressed"
    assert world.status_of(receipt.id) == "queued"  # transactional is not blocked
    assert world.replies(ADA) == ["30% off!", "Your order shipped", OPT_OUT]
    contact = world.services.contacts.get(ADA)
    assert contact is not None and contact.subscription == "unsubscribed" and contact.suppressed
    last = contact.consent[-1]
    assert (last.status, last.source, last.actor) == ("unsubscribed", "keyword", "sms")
    assert last.wording == "Stop!!" and last.message_id == stop_id
    assert [e.status for e in contact.consent] == ["subscribed", "unsubscribed"]


def test_marketing_is_checked_again_at_send_time(world: World) -> None:
    subscribe(world, ADA)
    to_ada = marketing(world, ADA)
    to_stranger = marketing(world, BOB)
    world.services.contacts.delete(ADA)  # erased after queueing: no consent any more
    sent = world.send_all()
    assert sent == []
    assert world.status_of(to_ada) == world.status_of(to_stranger) == "suppressed"
    (row,) = world.rows("SELECT error FROM messages WHERE id = ?", to_stranger)
    assert "not subscribed" in row["error"]
    subscribe(world, CY)
    allowed = marketing(world, CY)
    assert world.send_all() == [allowed]


def test_opt_out_survives_erasure(world: World) -> None:
    subscribe(world, ADA)
    world.mo(ADA, "unsubscribe me")
    assert world.services.contacts.delete(ADA)
    assert world.services.contacts.get(ADA) is None
    (row,) = world.rows("SELECT reason FROM suppressions WHERE phone = ?", ADA)
    assert row["reason"] == "revocation: unsubscribe me"
    subscribe(world, ADA)  # evidence given again: subscribed, suppression lifted
    contact = world.services.contacts.get(ADA)
    assert contact is not None and contact.subscription == "subscribed" and not contact.suppressed


def test_start_help_and_double_opt_in_records(world: World) -> None:
    world.mo(ADA, "JOIN")
    world.mo(ADA, "yes")
    world.mo(ADA, "STOP")
    world.mo(ADA, "help")
    world.mo(ADA, "Start")
    contact = world.services.contacts.get(ADA)
    assert contact is not None and contact.subscription == "subscribed"
    history = [(e.status, e.wording) for e in contact.consent]
    assert history == [
        ("pending", "JOIN"),
        ("subscribed", "yes"),
        ("unsubscribed", "STOP"),
        ("subscribed", "Start"),
    ]
    replies = world.replies(ADA)
    assert replies[0].startswith("Acme: Reply YES to confirm")
    assert "30%" not in replies[0]  # neutral: no marketing
    assert replies[3].startswith("Acme: For help") and "Reply STOP to opt out" in replies[3]
    assert len(replies) == 5


def test_fifty_messages_get_at_most_five_replies_but_stop_still_works(world: World) -> None:
    world.services.rules.create({"keyword": "DISCOUNT", "match": "first_word", "reply": "Code X"})
    for i in range(50):
        world.mo(ADA, f"discount {i}", after=5)
    world.mo(ADA, "STOP", after=5)
    assert world.replies(ADA) == ["Code X"] * 5  # no confirmation: limit reached
    contact = world.services.contacts.get(ADA)
    assert contact is not None and contact.subscription == "unsubscribed"
    outcomes = world.rows("SELECT outcome, COUNT(*) FROM rule_runs GROUP BY outcome")
    assert {r[0]: r[1] for r in outcomes} == {"replied": 5, "blocked": 46}
    world.advance(11 * 60)  # the window has passed
    world.mo(ADA, "discount again", after=0)
    assert world.replies(ADA)[-1] == "Code X"


def test_a_bot_answering_instantly_is_not_answered_again(world: World) -> None:
    world.services.rules.create({"match": "any", "reply": "Thanks for your message"})
    world.mo(ADA, "hello")
    for _ in range(2):
        world.send_all(at_offset=1.0)  # our reply leaves...
        world.mo(ADA, "auto: thanks", after=0.4)  # ...and is answered within 0.4 s
    blocked = world.mo(ADA, "auto: thanks", after=0.4)
    assert blocked is not None and "faster than a person" in (blocked.blocked or "")
    assert len(world.replies(ADA)) == 2
    assert world.send_all() == []  # nothing more goes out


def test_no_reply_to_machines_or_undecodable_messages(world: World) -> None:
    world.services.rules.create({"match": "any", "reply": "Thanks"})
    world.mo("12345", "Your balance is low")
    result = world.inbound.persist_undecodable("main", "07FFZZ", "bad hex", world.now)
    assert result.message_id is not None
    assert world.handler.handle(result.message_id) is not None
    assert world.rows("SELECT COUNT(*) FROM messages WHERE direction = 'out'")[0][0] == 0
    runs = world.rows("SELECT outcome, detail FROM rule_runs ORDER BY message_id")
    assert [r["outcome"] for r in runs] == ["blocked", "blocked"]
    assert "short codes" in runs[0]["detail"] and "decoded" in runs[1]["detail"]


def test_lists_tags_and_handover(world: World) -> None:
    world.services.rules.create(
        {
            "keyword": "AGENT",
            "reply": "A person will answer shortly.",
            "actions": [
                {"type": "subscribe", "list": "support"},
                {"type": "tag", "tag": "needs-help"},
                {"type": "handover", "minutes": 60},
            ],
        }
    )
    world.services.rules.create({"match": "any", "reply": "Auto answer"})
    world.mo(ADA, "agent")
    world.mo(ADA, "my order is late")  # a person has it: no auto-reply
    assert world.replies(ADA) == ["A person will answer shortly."]
    world.services.send_message({"to": ADA, "text": "Hi, Sam here"}, source="admin")
    world.mo(ADA, "thanks Sam")
    assert world.replies(ADA)[-1] == "Auto answer"  # the admin answered: back to rules
    contact = world.services.contacts.get(ADA)
    assert contact is not None and contact.lists == ("support",) and contact.tags == ("needs-help",)
    world.mo(BOB, "agent")
    world.advance(61 * 60)  # the handover timed out
    world.mo(BOB, "hello?")
    assert world.replies(BOB) == ["A person will answer shortly.", "Auto answer"]


def test_a_broken_rule_never_loses_the_message_and_catch_up_handles_missed_ones(
    world: World,
) -> None:
    world.services.rules.create({"keyword": "HI", "reply": "Hello"})
    with world.db.transaction() as conn:
        conn.execute("UPDATE rules SET actions = 'not json'")
    message_id = world.receive(ADA, "hi")
    world.handler.on_message("main", message_id)  # logs, records, does not raise
    (run,) = world.rows("SELECT outcome, detail FROM rule_runs")
    assert run["outcome"] == "error" and "JSONDecodeError" in run["detail"]
    assert world.rows("SELECT text FROM messages WHERE id = ?", message_id)[0][0] == "hi"
    with world.db.transaction() as conn:
        conn.execute("UPDATE rules SET actions = '[]'")
    missed = world.receive(BOB, "hi")  # committed, then the process "stopped"
    assert world.handler.catch_up(timedelta(hours=1)) == 1
    assert world.replies(BOB) == ["Hello"]
    assert world.replies(ADA) == [] and missed > message_id

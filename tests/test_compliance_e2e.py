"""Keywords and compliance end to end: a Bridge on a simulated modem, driven over REST and
the simulator's operations (POST /mo, GET /sent), with the outcomes read back over REST."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from modembridge.app import Bridge
from modembridge.clock import to_iso, utcnow
from modembridge.config import (
    ComplianceSettings,
    Config,
    ModemSettings,
    StorageSettings,
    WebSettings,
)
from modembridge.simulator import registry
from modembridge.simulator.operations import SimOperations
from procs import free_port, http_json, wait_until

OPT_OUT = (
    "Acme: You are unsubscribed and will receive no more messages. Reply START to resubscribe."
)
DISCOUNT_REPLY = "Use code WARM30 for 30% off!"


class Stack:
    """A Bridge with its own in-process simulated modem, web API and token."""

    def __init__(self, folder: Path, number: str) -> None:
        self.name = f"kw-{uuid.uuid4().hex[:8]}"
        self.number = number
        port = free_port()
        config = Config(
            modems=(
                ModemSettings(
                    name="main",
                    port=f"sim://generic?name={self.name}&number=%2B{number[1:]}",
                    parts_per_minute=100000,
                    parts_per_day=100000,
                ),
            ),
            web=WebSettings(host="127.0.0.1", port=port, secret_key_file=folder / "key"),
            storage=StorageSettings(path=folder / "bridge.db"),
            compliance=ComplianceSettings(brand="Acme"),
        )
        self.bridge = Bridge(config)
        self.bridge.start()
        assert self.bridge.services is not None and self.bridge.db is not None
        self.services = self.bridge.services
        self.url = f"http://127.0.0.1:{port}/api/v1"
        self.headers = {"Authorization": f"Bearer {self.services.tokens.create('t', utcnow())}"}
        wait_until(lambda: self.services.health()["status"] == "ok", 30, "modem ready")
        sim = registry.get(self.name)
        assert sim is not None
        self.sim: SimOperations = sim

    def api(self, path: str, body: Any = None) -> Any:
        return http_json(self.url + path, body, self.headers)

    def sent_to(self, phone: str) -> list[str]:
        return [m["text"] for m in self.sim.sent() if m["to"] == phone]

    def settled(self) -> bool:
        """Every MO read and handled, nothing due left to send: nothing more will happen."""
        state = self.sim.state()
        if state["storage"]["used"] or state["pending_mo"]:
            return False
        conn = self.bridge.db.connection()  # type: ignore[union-attr]
        unhandled = conn.execute(
            "SELECT COUNT(*) FROM messages m WHERE direction = 'in'"
            " AND NOT EXISTS (SELECT 1 FROM rule_runs r WHERE r.message_id = m.id)"
        ).fetchone()[0]
        due = conn.execute(
            "SELECT COUNT(*) FROM messages WHERE direction = 'out'"
            " AND status IN ('queued', 'sending') AND due_at <= ?",
            (to_iso(utcnow()),),
        ).fetchone()[0]
        return unhandled == 0 and due == 0

    def wait_settled(self, what: str) -> None:
        wait_until(self.settled, 60, what)

    def stop(self) -> None:
        self.bridge.stop()
        registry.remove(self.name)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = Stack(tmp_path_factory.mktemp("kw"), "+15550009999")
    s.api("/rules", {"keyword": "DISCOUNT", "match": "first_word", "reply": DISCOUNT_REPLY})
    s.api("/rules", {"keyword": "COUPON", "reply": "Your code: {coupon}", "codes": ["C1", "C2"]})
    yield s
    s.stop()


def history(stack: Stack, phone: str) -> list[tuple[str, str, str]]:
    contact = stack.api(f"/contacts/{phone}")
    return [(e["status"], e["source"], e["wording"]) for e in contact["consent_history"]]


def test_discount_in_any_dress_gets_the_reply(stack: Stack) -> None:
    phone = "+15551000001"
    for text in ("discount", " Discount! ", "DISCOUNT please"):
        stack.sim.mo(phone, text)
    wait_until(lambda: len(stack.sent_to(phone)) == 3, 30, "three replies")
    stack.wait_settled("quiet")
    assert stack.sent_to(phone) == [DISCOUNT_REPLY] * 3
    thread = stack.api(f"/conversations/{phone}")["messages"]
    assert [m["direction"] for m in thread] == ["in", "out", "in", "out", "in", "out"]


def test_coupons_one_per_sender_same_one_again(stack: Stack) -> None:
    ada, bob = "+15551000002", "+15551000003"
    stack.sim.mo(ada, "coupon")
    wait_until(lambda: stack.sent_to(ada), 30, "ada's code")
    stack.sim.mo(bob, "Coupon")
    stack.sim.mo(ada, "COUPON!")
    wait_until(lambda: len(stack.sent_to(ada)) == 2 and stack.sent_to(bob), 30, "codes")
    (first, again), (other,) = stack.sent_to(ada), stack.sent_to(bob)
    assert first == again and first != other
    assert {first, other} == {"Your code: C1", "Your code: C2"}


def test_stop_suppresses_marketing_queued_before_it(stack: Stack) -> None:
    phone = "+15551000004"
    consent = {"status": "subscribed", "source": "web", "wording": "Yes, text me deals"}
    assert stack.api("/contacts", {"phone": phone, "consent": consent})["subscription"] == (
        "subscribed"
    )
    later = to_iso(utcnow() + timedelta(hours=1))
    promo = stack.api(
        "/messages", {"to": phone, "text": "Sale!", "kind": "marketing", "send_at": later}
    )
    stack.sim.mo(phone, "STOP")
    wait_until(lambda: stack.sent_to(phone), 30, "the confirmation")
    stack.wait_settled("quiet")
    assert stack.sent_to(phone) == [OPT_OUT]
    assert stack.api(f"/messages/{promo['id']}")["status"] == "suppressed"
    # Queued after the STOP, due now: refused at send time, never sent.
    late = stack.api("/messages", {"to": phone, "text": "Last chance!", "kind": "marketing"})
    wait_until(lambda: stack.api(f"/messages/{late['id']}")["status"] == "suppressed", 30, "check")
    receipt = stack.api("/messages", {"to": phone, "text": "Your order shipped"})
    wait_until(lambda: stack.api(f"/messages/{receipt['id']}")["status"] == "sent", 30, "receipt")
    assert stack.sent_to(phone) == [OPT_OUT, "Your order shipped"]
    assert history(stack, phone) == [
        ("subscribed", "web", "Yes, text me deals"),
        ("unsubscribed", "keyword", "STOP"),
    ]


@pytest.mark.parametrize(
    ("phone", "text"),
    [
        ("+15552000001", "please stop texting me"),
        ("+15552000002", "STOP!!"),
        ("+15552000003", "no more messages"),
        ("+15552000004", "unsubscribe me"),
        ("+15552000005", "Don't text me"),
    ],
)
def test_free_text_revocations_opt_out(stack: Stack, phone: str, text: str) -> None:
    stack.sim.mo(phone, text)
    wait_until(lambda: stack.sent_to(phone), 30, "the confirmation")
    stack.wait_settled("quiet")
    assert stack.sent_to(phone) == [OPT_OUT]
    source = "keyword" if text == "STOP!!" else "revocation"
    assert history(stack, phone) == [("unsubscribed", source, text)]
    assert stack.api(f"/contacts/{phone}")["suppressed"] is True


def test_help_start_and_double_opt_in(stack: Stack) -> None:
    phone = "+15551000005"
    for text in ("JOIN", "YES", "STOP", "HELP", "START"):
        count = len(stack.sent_to(phone))
        stack.sim.mo(phone, text)
        wait_until(lambda c=count: len(stack.sent_to(phone)) == c + 1, 30, f"answer to {text}")
    request, subscribed, stopped, help_text, restarted = stack.sent_to(phone)
    assert request.startswith("Acme: Reply YES to confirm") and "Sale" not in request
    assert subscribed.startswith("Acme: You are subscribed") and stopped == OPT_OUT
    assert "Reply STOP to opt out" in help_text and "Msg&data rates may apply" in help_text
    assert restarted == subscribed
    assert [s for s, _, _ in history(stack, phone)] == [
        "pending",
        "subscribed",
        "unsubscribed",
        "subscribed",
    ]
    asked = stack.api("/contacts", {"phone": "+15551000006", "consent": {"status": "subscribed"}})
    assert asked["subscription"] == "pending"
    wait_until(lambda: stack.sent_to("+15551000006"), 30, "the API's confirmation request")


def test_a_spammer_gets_at_most_the_limit(stack: Stack) -> None:
    phone = "+15551000007"
    for i in range(50):
        stack.sim.mo(phone, f"discount {i}")
    wait_until(
        lambda: len(stack.api(f"/conversations/{phone}")["messages"]) >= 55, 90, "all 50 read"
    )
    stack.wait_settled("quiet")
    assert stack.sent_to(phone) == [DISCOUNT_REPLY] * 5


def test_short_codes_get_no_reply(stack: Stack) -> None:
    stack.sim.mo("72345", "discount")
    wait_until(lambda: stack.api("/conversations/72345")["messages"], 30, "the MO")
    stack.wait_settled("quiet")
    assert stack.sent_to("72345") == []


class Relay:
    """Wires two simulated modems: what one sends arrives at the other as an MO."""

    def __init__(self, a: Stack, b: Stack) -> None:
        self.pairs = [(a, b), (b, a)]
        self.forwarded = {a.name: 0, b.name: 0}
        self.count = 0  # MOs injected so far
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            for source, target in self.pairs:
                sent = source.sim.sent()
                for message in sent[self.forwarded[source.name] :]:
                    if message["to"] == target.number:
                        target.sim.mo(source.number, message["text"])
                        self.count += 1
                self.forwarded[source.name] = len(sent)

    def drained(self) -> bool:
        return all(len(s.sim.sent()) == self.forwarded[s.name] for s, _ in self.pairs)

    def quiet(self) -> bool:
        """Both sides settled and nothing sent or forwarded meanwhile: the exchange is over."""
        before = self.count
        settled = self.drained() and all(s.settled() for s, _ in self.pairs)
        return settled and self.drained() and self.count == before

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(5)


def test_two_bridges_auto_replies_do_not_loop(tmp_path: Path) -> None:
    a = Stack(tmp_path / "a", "+15557000001")
    b = Stack(tmp_path / "b", "+15557000002")
    relay = Relay(a, b)
    try:
        for side in (a, b):  # each answers everything, echoing it (so no two texts are equal)
            side.api("/rules", {"match": "any", "reply": "Auto-reply: {text}"})
        a.sim.mo(b.number, "hello")  # somebody at B's number writes to A
        wait_until(lambda: a.sent_to(b.number), 30, "the first auto-reply")
        wait_until(relay.quiet, 60, "the exchange to stop")
        replies_a, replies_b = len(a.sent_to(b.number)), len(b.sent_to(a.number))
        assert 1 <= replies_a <= 5 and replies_b <= 5
        blocked = [
            side.bridge.db.connection()  # type: ignore[union-attr]
            .execute("SELECT COUNT(*) FROM rule_runs WHERE outcome = 'blocked'")
            .fetchone()[0]
            for side in (a, b)
        ]
        assert sum(blocked) >= 1  # a guard stopped it, not luck
    finally:
        relay.stop()
        a.stop()
        b.stop()

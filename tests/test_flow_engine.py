"""Flows on a real SQLite file with a frozen clock: abandoned cart (with and without an
order, across a restart), order shipped, post-purchase thank-you, supersede, delete."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from campaign_data import add_contact, messages
from modembridge.campaigns.flow_engine import advance
from modembridge.campaigns.flow_service import FlowService
from modembridge.campaigns.settings import AutomationSettings
from modembridge.store import Database

START = datetime(2026, 6, 15, 14, 0, tzinfo=UTC)  # 10:00 in New York
ANA = "+12125550101"
CART = {
    "name": "Abandoned cart",
    "trigger": "cart_abandoned",
    "steps": [
        {"wait": "1h"},
        {"unless": "order_placed"},
        {"send": "You left {item} in your cart: {cart_url}", "kind": "marketing"},
    ],
}
SHIPPED = {
    "name": "Order shipped",
    "trigger": "order_shipped",
    "steps": [{"send": "Order {order} shipped: {tracking_url}", "kind": "transactional"}],
}
THANKS = {
    "name": "Post-purchase thank-you",
    "trigger": "order_placed",
    "steps": [{"wait": "3d"}, {"send": "Thanks for your order, {first_name|friend}!"}],
}


@dataclass
class Shop:
    path: Path
    now: datetime = START

    def __post_init__(self) -> None:
        self.open()

    def open(self) -> None:
        self.db = Database(self.path)
        self.flows = FlowService(self.db, AutomationSettings(), clock=lambda: self.now)

    def restart(self) -> None:
        self.db.close()
        self.open()

    def event(self, name: str, phone: str = ANA, **data: Any) -> dict[str, Any]:
        return self.flows.record_event({"event": name, "phone": phone, "data": data})

    def sent(self) -> list[tuple[str, str, str]]:
        return [(m["phone"], m["kind"], m["text"]) for m in messages(self.db.connection(), "flow")]


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    s = Shop(tmp_path / "flows.db")
    add_contact(s.db.connection(), ANA, first_name="Ana")
    yield s
    s.db.close()


def cart(shop: Shop, phone: str = ANA) -> dict[str, Any]:
    return shop.event("cart_abandoned", phone, item="socks", cart_url="https://shop.example/c/1")


def test_abandoned_cart_reminds_after_the_wait_across_a_restart(shop: Shop) -> None:
    shop.flows.create(CART)
    (instance,) = cart(shop)["instances"]
    assert instance["status"] == "waiting"
    shop.now += timedelta(minutes=59)
    assert shop.flows.advance_due() == 0 and shop.sent() == []
    shop.restart()  # all state is in the database
    shop.now += timedelta(minutes=1)
    assert shop.flows.advance_due() == 1
    text = "Acme: You left socks in your cart: https://shop.example/c/1\nReply STOP to opt out"
    assert shop.sent() == [(ANA, "marketing", text)]
    assert shop.flows.advance_due() == 0
    assert shop.flows.list_flows()[0]["instances"]["done"] == 1


def test_order_placed_during_the_wait_cancels_the_reminder(shop: Shop) -> None:
    shop.flows.create(CART)
    (instance,) = cart(shop)["instances"]
    shop.now += timedelta(minutes=20)
    shop.restart()
    shop.event("order_placed", order="A17")
    shop.now += timedelta(hours=2)
    shop.flows.advance_due()
    assert shop.sent() == []
    row = shop.db.connection().execute(
        "SELECT status, detail FROM flow_instances WHERE id = ?", (instance["id"],)
    )
    assert tuple(row.fetchone()) == ("exited", "order_placed received")


def test_an_order_before_the_cart_does_not_count(shop: Shop) -> None:
    shop.flows.create(CART)
    shop.event("order_placed", order="A16")
    cart(shop)
    shop.event("order_placed", "+12125550199")  # someone else's order
    shop.now += timedelta(hours=1)
    shop.flows.advance_due()
    assert len(shop.sent()) == 1


def test_order_shipped_is_transactional_and_immediate(shop: Shop) -> None:
    shop.flows.create(SHIPPED)
    result = shop.event(
        "order_shipped", "+12125550177", order="A17", tracking_url="https://t.example/1"
    )
    assert result["instances"][0]["status"] == "done"
    assert shop.sent() == [
        ("+12125550177", "transactional", "Order A17 shipped: https://t.example/1")
    ]  # no contact, no consent needed, no footer
    assert messages(shop.db.connection(), "flow")[0]["priority"] == 0


def test_thank_you_goes_to_subscribers_only_and_waits_for_the_morning(shop: Shop) -> None:
    add_contact(shop.db.connection(), "+12125550102", "pending")
    shop.flows.create(THANKS)
    shop.now = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # 23:00 in New York
    shop.event("order_placed", order="A1")
    shop.event("order_placed", "+12125550102", order="A2")
    shop.now += timedelta(days=3)
    assert shop.flows.advance_due() == 2
    (message,) = messages(shop.db.connection(), "flow")
    assert message["text"] == "Acme: Thanks for your order, Ana!\nReply STOP to opt out"
    assert message["due_at"] == "2026-06-18T12:00:00.000000+00:00"  # 08:00 in New York
    outcomes = shop.db.connection().execute("SELECT outcome FROM flow_steps ORDER BY instance_id")
    assert [r[0] for r in outcomes] == ["sent", "skipped:pending"]


def test_a_newer_cart_supersedes_the_waiting_one(shop: Shop) -> None:
    shop.flows.create(CART)
    (first,) = cart(shop)["instances"]
    shop.now += timedelta(minutes=30)
    cart(shop)
    shop.now += timedelta(minutes=45)  # the first one's hour is up, not the second's
    shop.flows.advance_due()
    assert shop.sent() == []
    shop.now += timedelta(minutes=15)
    shop.flows.advance_due()
    assert len(shop.sent()) == 1
    row = shop.db.connection().execute("SELECT status FROM flow_instances WHERE id = ?",
                                       (first["id"],))  # fmt: skip
    assert row.fetchone()[0] == "exited"


def test_deleting_a_flow_cancels_its_waiting_instances(shop: Shop) -> None:
    flow = shop.flows.create(CART)
    cart(shop)
    shop.flows.delete(flow["id"])
    shop.now += timedelta(hours=2)
    assert shop.flows.advance_due() == 0
    assert shop.sent() == []
    status = shop.db.connection().execute("SELECT status FROM flow_instances").fetchone()[0]
    assert status == "cancelled"


def test_waits_chain_from_their_due_times_and_steps_run_once(shop: Shop) -> None:
    shop.flows.create(
        {
            "name": "Two nudges",
            "trigger": "signup",
            "steps": [{"wait": "1h"}, {"send": "A", "kind": "transactional"},
                      {"wait": "1h"}, {"send": "B", "kind": "transactional"}],
        }
    )  # fmt: skip
    (instance,) = shop.event("signup")["instances"]
    shop.now += timedelta(hours=3)  # the service was busy: both waits are over
    shop.flows.advance_due()
    shop.flows.advance_due()
    assert [text for _, _, text in shop.sent()] == ["A", "B"]
    with shop.db.transaction() as conn:  # a second worker on the same instance does nothing
        assert advance(conn, instance["id"], shop.flows.planner, shop.now) is None
    assert len(shop.sent()) == 2

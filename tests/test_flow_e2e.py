"""Abandoned cart end to end across a restart: `modembridge run` with `modembridge
simulator`, events over HTTP, a short wait ("4s") so the restart lands inside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from campaign_data import add_contact
from modembridge.store import Database
from procs import ServiceProcess, SimProcess, wait_until

BOUGHT, FORGOT = "+12125553001", "+12125553002"


def instances(service: ServiceProcess) -> dict[str, int]:
    flows: list[dict[str, Any]] = service.api("/api/v1/flows")["flows"]
    return dict(flows[0]["instances"])


def test_abandoned_cart_reminder_only_without_an_order_across_a_restart(tmp_path: Path) -> None:
    sim = SimProcess(tmp_path / "sim")
    service = ServiceProcess(tmp_path / "svc", [("main", str(sim.link))])
    with service.config.open("a") as config:
        config.write('[compliance]\nquiet_hours = "00:00-24:00"\n')
    db = Database(service.folder / "bridge.db")
    add_contact(db.connection(), BOUGHT)
    add_contact(db.connection(), FORGOT, first_name="Ana")
    db.close()
    service.create_token()
    service.start()
    try:
        flow = {"name": "Abandoned cart", "trigger": "cart_abandoned", "steps": [
            {"wait": "4s"}, {"unless": "order_placed"},
            {"send": "{first_name|Hi}, you left {item} in your cart: {cart_url}",
             "kind": "marketing"}]}  # fmt: skip
        assert service.api("/api/v1/flows", flow)["trigger"] == "cart_abandoned"
        for phone in (BOUGHT, FORGOT):
            cart = {"item": "socks", "cart_url": f"https://shop.example/c/{phone[-4:]}"}
            event = {"event": "cart_abandoned", "phone": phone, "data": cart}
            assert service.api("/api/v1/events", event)["instances"][0]["status"] == "waiting"
        service.api("/api/v1/events", {"event": "order_placed", "phone": BOUGHT})
        assert service.stop() == 0  # restart during the wait
        service.start()
        wait_until(lambda: instances(service)["waiting"] == 0, 30, "both carts decided")
        assert instances(service) == {"waiting": 0, "done": 1, "exited": 1, "cancelled": 0}
        queued = service.api("/api/v1/messages?direction=out")["messages"]
        assert [m["to"] for m in queued] == [FORGOT]  # all there is: both flows are decided
        wait_until(lambda: sim.get("/sent"), 30, "the reminder sent")
        (sent,) = sim.get("/sent")
        assert sent["to"] == FORGOT
        assert sent["text"] == (
            "Acme: Ana, you left socks in your cart: https://shop.example/c/3002"
            "\nReply STOP to opt out"
        )
    finally:
        assert service.stop() == 0
        sim.stop()

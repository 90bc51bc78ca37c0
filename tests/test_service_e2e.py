"""The service end to end: `modembridge run` against `modembridge simulator`, over HTTP."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from procs import ServiceProcess, SimProcess, wait_until


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[SimProcess, ServiceProcess]]:
    sim = SimProcess(tmp_path / "sim")
    service = ServiceProcess(tmp_path / "svc", [("main", str(sim.link))])
    service.create_token()
    service.start()
    yield sim, service
    assert service.stop() == 0
    sim.stop()


def text_for(i: int) -> str:
    if i % 5 == 0:
        return f"Order {i} is on its way 🚚 " + "track it at https://shop.example/t/" * 5
    if i % 7 == 0:
        return f"Message {i}: {{curly}} [brackets] €uro ^caret " * 4
    return f"Hello #{i}, your code is {1000 + i}"


def test_fifty_messages_sent_once_then_delivered_and_mo_threaded(
    stack: tuple[SimProcess, ServiceProcess],
) -> None:
    sim, service = stack
    ids = {}
    for i in range(50):
        reply = service.api("/api/v1/messages", {"to": "+15551234567", "text": text_for(i)})
        assert reply["status"] == "queued", reply
        ids[reply["id"]] = text_for(i)

    def all_sent() -> bool:
        return all(service.api(f"/api/v1/messages/{i}")["status"] == "sent" for i in ids)

    wait_until(all_sent, 60, "all 50 messages sent")
    sent = sim.get("/sent")
    assert Counter(m["text"] for m in sent) == Counter(ids.values())
    assert all(m["to"] == "+15551234567" for m in sent)

    for message in sent:
        for reference in message["references"]:
            assert sim.post("/dlr", {"reference": reference, "status": "delivered"}) is not None

    def all_delivered() -> bool:
        return all(service.api(f"/api/v1/messages/{i}")["status"] == "delivered" for i in ids)

    wait_until(all_delivered, 60, "all 50 messages delivered")

    sim.post("/mo", {"from": "+15550001111", "text": "DISCOUNT"})

    def inbound() -> list[dict[str, object]]:
        return list(service.api("/api/v1/messages?direction=in")["messages"])

    (received,) = wait_until(inbound, 30, "the MO in the API")
    assert received["text"] == "DISCOUNT" and received["from"] == "+15550001111"
    thread = service.api("/api/v1/conversations/+15550001111")["messages"]
    assert [m["text"] for m in thread] == ["DISCOUNT"]
    wait_until(lambda: sim.get("/state")["storage"]["used"] == 0, 30, "SIM emptied")


def test_failed_delivery_report_fails_the_message(
    stack: tuple[SimProcess, ServiceProcess],
) -> None:
    sim, service = stack
    reply = service.api("/api/v1/messages", {"to": "+15557654321", "text": "will bounce"})
    wait_until(
        lambda: service.api(f"/api/v1/messages/{reply['id']}")["status"] == "sent", 30, "sent"
    )
    (message,) = sim.get("/sent")
    sim.post("/dlr", {"reference": message["references"][0], "status": "failed"})
    final = wait_until(
        lambda: (m := service.api(f"/api/v1/messages/{reply['id']}"))["status"] == "failed" and m,
        30,
        "failed by report",
    )
    assert "TP-ST" in final["error"]

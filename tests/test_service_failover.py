"""Two modems: unplug one mid-run and the other sends everything that is left."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from procs import ServiceProcess, SimProcess, wait_until


def test_unplugged_modem_hands_its_work_to_the_other(tmp_path: Path) -> None:
    sim_a = SimProcess(tmp_path / "a", name="a")
    sim_b = SimProcess(tmp_path / "b", name="b")
    # Pacing keeps each modem mostly idle between parts, so the unplug lands between sends.
    service = ServiceProcess(
        tmp_path / "svc",
        [("a", str(sim_a.link)), ("b", str(sim_b.link))],
        parts_per_minute=120,
    )
    service.create_token()
    try:
        service.start()
        texts = [f"Failover message {i}" for i in range(24)]
        ids = [
            service.api("/api/v1/messages", {"to": "+15551234567", "text": t})["id"] for t in texts
        ]
        wait_until(lambda: len(sim_a.get("/sent")) >= 2, 30, "modem a sending")
        sim_a.post("/fault", {"kind": "unplug", "seconds": 120})
        sent_by_a_at_unplug = len(sim_a.get("/sent"))

        def all_sent() -> bool:
            return all(service.api(f"/api/v1/messages/{i}")["status"] == "sent" for i in ids)

        wait_until(all_sent, 90, "every message sent")
        health = service.api("/api/v1/health")
        assert health["status"] == "degraded"
        assert {m["name"]: m["state"] != "ready" for m in health["modems"]} == {
            "a": True,
            "b": False,
        }
        on_air = Counter(m["text"] for m in sim_a.get("/sent") + sim_b.get("/sent"))
        assert on_air == Counter(texts)  # each exactly once, none lost
        assert len(sim_a.get("/sent")) == sent_by_a_at_unplug
        assert len(sim_b.get("/sent")) > len(texts) // 2
        assert service.stop() == 0
    finally:
        if service.proc is not None and service.proc.poll() is None:
            service.kill()
        sim_a.stop()
        sim_b.stop()

"""MO -> reply latency, timed on the simulator's wire: +CMTI raised -> AT+CMGS of the reply.

Used by figures 4, 8 and 9 (the latency must hold while the bridge polls little). Messages go
one at a time, each from its own sender, so the reply that follows a +CMTI is its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench import wire
from bench.harness import Rig

KEYWORD = "PING"
_TIMEOUT = 10.0


@dataclass(frozen=True)
class Latencies:
    """Per-message latencies (+CMTI -> AT+CMGS of the reply) in seconds, and replies missing."""

    total: list[float]
    timeouts: int


def add_reply_rule(rig: Rig) -> None:
    """Create a keyword rule that answers PING with PONG (POST /api/v1/rules)."""
    status, body = rig.service.request(
        "POST",
        "/api/v1/rules",
        {"keyword": KEYWORD, "match": "first_word", "reply": "PONG"},
    )
    if status not in (200, 201):
        raise RuntimeError(f"POST /api/v1/rules -> {status} {body}")


def _wait_for(rig: Rig, after: float, prefix: str) -> tuple[float, float] | None:
    """Poll the wire feed until a +CMTI, then a host command starting with ``prefix``, appear.

    Returns (time of the +CMTI seen since ``after``, time of the match), or None on timeout.
    """
    deadline = time.monotonic() + _TIMEOUT
    seen: list[tuple[float, str, str]] = []
    while time.monotonic() < deadline:
        seen += rig.sim.events()
        cmti = [t for t in wire.modem_lines(seen, "+CMTI:") if t >= after]
        found = wire.command_times(seen, prefix)
        if cmti and (hits := [t for t in found if t >= cmti[0]]):
            return cmti[0], hits[0]
        time.sleep(0.002)
    return None


def _measure_rule(rig: Rig, count: int, first_sender: int = 0) -> Latencies:
    """``count`` keyword messages, each answered by the rule: +CMTI -> AT+CMGS of the reply."""
    total: list[float] = []
    timeouts = 0
    for i in range(count):
        rig.sim.events()  # forget earlier traffic
        before = time.time()
        rig.sim.mo(f"+1555{first_sender + i:07d}", f"{KEYWORD} {i}")
        found = _wait_for(rig, before, "AT+CMGS=")
        if found is None:
            timeouts += 1
        else:
            total.append(found[1] - found[0])
    return Latencies(total, timeouts)


def measure(rig: Rig, count: int, first_sender: int = 0) -> Latencies:
    """Add the reply rule, then time ``count`` keyword messages."""
    add_reply_rule(rig)
    return _measure_rule(rig, count, first_sender)

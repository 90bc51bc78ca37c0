"""Outbound throughput: post messages through the REST API, wait until each is `sent`.

Shared by figure 1 (one slow modem), figure 2 (1..8 slow modems) and figure 3 (zero-latency
modem, software ceiling). Wall time runs from just before the first POST to the last `sent_at`
the service recorded; CPU is the service process's user+system time over the same span.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench import wire
from bench.harness import Service, Sim, count, cpu_seconds, stop_sims, wait_until


@dataclass(frozen=True)
class SendResult:
    """One throughput run."""

    messages: int
    parts: int
    wall: float  # first POST -> last sent_at, seconds
    post_wall: float  # first POST -> last 202, seconds
    cpu: float  # service CPU seconds over the run
    modems_used: int  # modems that sent at least one part
    delivered_to_smsc: int  # messages the simulated SMSC accepted
    gaps: list[float]  # per modem: +CMGS answer -> next AT+CMGS, the bridge's time between parts


def phone(index: int) -> str:
    """A distinct valid NANP number per recipient."""
    return f"+1555{index:07d}"


def send_run(
    folder: Path,
    *,
    modems: int,
    messages: int,
    sms_latency: float,
    posters: int = 1,
    service_cpus: set[int] | None = None,
    other_cpus: set[int] | None = None,
) -> SendResult:
    """Start ``modems`` simulators and a service, send ``messages`` single-part SMS, measure."""
    sims = [
        Sim(folder / "sims", f"sim{i}", sms_latency=sms_latency, cpus=other_cpus)
        for i in range(modems)
    ]
    service = Service(folder / "service", [(s.name, str(s.link)) for s in sims], cpus=service_cpus)
    try:
        service.create_token()
        service.start()
        return measure_sends(service, sims, messages, sms_latency, posters)
    finally:
        service.stop()
        stop_sims(sims)


def measure_sends(
    service: Service, sims: list[Sim], messages: int, sms_latency: float, posters: int = 1
) -> SendResult:
    """Post ``messages`` to a running service, wait until all are `sent`, measure."""
    db = service.db()
    sent_sql = "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND status = 'sent'"
    parts_sql = "SELECT COUNT(*) FROM message_parts WHERE status = 'sent'"
    sent_before, parts_before = count(db, sent_sql), count(db, parts_sql)
    smsc_before = sum(len({m["to"] for m in sim.sent()}) for sim in sims)
    for sim in sims:
        sim.events()  # the wire from here on
    cpu_before = cpu_seconds(service.pid)
    started = time.time()

    def post(index: int) -> None:
        service.post_message(phone(index), f"Benchmark message number {index}")

    with ThreadPoolExecutor(posters) as pool:
        list(pool.map(post, range(messages)))
    posted = time.time()
    # generous: the modem bound plus a second per 50 messages of software time
    limit = messages * sms_latency / len(sims) * 3 + messages / 50 + 60
    target = sent_before + messages
    wait_until(lambda: count(db, sent_sql) >= target, limit, f"{messages} sent", 0.05)
    cpu = cpu_seconds(service.pid) - cpu_before
    last = db.execute("SELECT MAX(sent_at) FROM messages WHERE direction = 'out'").fetchone()[0]
    parts = count(db, parts_sql) - parts_before
    used = count(db, "SELECT COUNT(DISTINCT modem) FROM message_parts WHERE status = 'sent'")
    db.close()
    accepted = sum(len({m["to"] for m in sim.sent()}) for sim in sims) - smsc_before
    return SendResult(
        messages=messages,
        parts=parts,
        wall=datetime.fromisoformat(last).timestamp() - started,
        post_wall=posted - started,
        cpu=cpu,
        modems_used=used,
        delivered_to_smsc=accepted,
        gaps=[gap for sim in sims for gap in part_gaps(sim.events())],
    )


def part_gaps(events: list[wire.Event]) -> list[float]:
    """Seconds from each ``+CMGS:`` answer to the next ``AT+CMGS=`` on the same modem."""
    answers = wire.modem_lines(events, "+CMGS:")
    sends = wire.command_times(events, "AT+CMGS=")
    gaps, i = [], 0
    for answered in answers:
        while i < len(sends) and sends[i] < answered:
            i += 1
        if i < len(sends):
            gaps.append(sends[i] - answered)
    return gaps

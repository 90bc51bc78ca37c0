"""ModemSupervisor inbound/outbound paths against the simulator on a real pty."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from fixtures_sim import SimPty
from modembridge.modem import (
    InboundSms,
    JobResult,
    ModemConfig,
    ModemSupervisor,
    OutboundJob,
    PartResult,
)
from modembridge.sms import Deliver, StatusReport, encode_submit_pdus
from modembridge.transport import open_port
from modembridge.transport.hostile import HostileSerial, Mode
from modembridge.transport.urls import SerialLike

SENDER = "+15550001111"
DEST = "+15551234567"


def wait_until(condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Liveness helper: poll ``condition`` until true or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or condition}")
        time.sleep(0.02)


class Sink:
    """An InboundSink that keeps messages in a list; can be told to fail."""

    def __init__(self, on_persist: Callable[[InboundSms], None] | None = None) -> None:
        self.messages: list[InboundSms] = []
        self.failures_left = 0
        self.on_persist = on_persist
        self.lock = threading.Lock()

    def persist(self, modem_name: str, message: InboundSms) -> None:
        if self.on_persist is not None:
            self.on_persist(message)
        with self.lock:
            if self.failures_left > 0:
                self.failures_left -= 1
                raise RuntimeError("database is locked")
            self.messages.append(message)

    def texts(self) -> list[str]:
        with self.lock:
            return [m.decoded.text for m in self.messages if isinstance(m.decoded, Deliver)]

    def reports(self) -> list[StatusReport]:
        with self.lock:
            return [m.decoded for m in self.messages if isinstance(m.decoded, StatusReport)]


class Source:
    """An OutboundSource over an in-memory list of jobs."""

    def __init__(self, on_claim: Callable[[OutboundJob], None] | None = None) -> None:
        self.jobs: list[OutboundJob] = []
        self.results: list[JobResult] = []
        self.part_events: list[tuple[str, int | str, int]] = []
        self.on_claim = on_claim
        self.lock = threading.Lock()

    def add(self, job_id: int, text: str) -> OutboundJob:
        job = OutboundJob(job_id, tuple(encode_submit_pdus(DEST, text, reference=job_id)))
        with self.lock:
            self.jobs.append(job)
        return job

    def next_job(self, modem_name: str) -> OutboundJob | None:
        with self.lock:
            job = self.jobs.pop(0) if self.jobs else None
        if job is not None and self.on_claim is not None:
            self.on_claim(job)
        return job

    def next_check(self, modem_name: str) -> float | None:
        return None  # jobs only appear with wake()

    def part_starting(self, job: OutboundJob, index: int) -> None:
        with self.lock:
            self.part_events.append(("starting", job.id, index))

    def part_finished(self, job: OutboundJob, result: PartResult) -> None:
        with self.lock:
            self.part_events.append((result.status, job.id, result.index))

    def job_result(self, job: OutboundJob, result: JobResult) -> None:
        with self.lock:
            self.results.append(result)


Start = Callable[..., ModemSupervisor]


@pytest.fixture
def start(sim_pty: SimPty) -> Iterator[Start]:
    """Start a supervisor on the simulator's link (optionally through a HostileSerial)."""
    started: list[ModemSupervisor] = []

    def make(sink: Sink, source: Source, mode: Mode = "clean", **config: Any) -> ModemSupervisor:
        base = ModemConfig(name="main", port=sim_pty.link, outbound_recheck=60.0)

        def factory(cfg: ModemConfig) -> SerialLike:
            return HostileSerial(open_port(cfg.port), mode, seed=7)

        supervisor = ModemSupervisor(replace(base, **config), sink, source, port_factory=factory)
        started.append(supervisor)
        supervisor.start()
        return supervisor

    yield make
    for supervisor in started:
        # generous: stop() lets a command in flight finish (liveness, not timing)
        assert supervisor.stop(75.0)  # longer than send_timeout (60 s)


def storage_used(sim: SimPty) -> int:
    return int(sim.state()["storage"]["used"])


@pytest.mark.parametrize(
    ("sim_profile", "mode"),
    [("generic", "bytewise"), ("sim800", "split"), ("huawei", "urc"), ("quectel", "garbage")],
)
def test_ready_then_cmti_is_persisted_then_deleted(
    sim_pty: SimPty, start: Start, sim_profile: str, mode: Mode
) -> None:
    seen_on_sim: list[int] = []
    sink = Sink(on_persist=lambda _m: seen_on_sim.append(storage_used(sim_pty)))
    supervisor = start(sink, Source(), mode)
    wait_until(lambda: supervisor.status().state == "ready", what="ready")
    status = supervisor.status()
    assert status.imei and status.operator == "SimNet" and status.signal_dbm is not None
    sim_pty.mo(SENDER, "DISCOUNT please")
    wait_until(lambda: sink.texts() == ["DISCOUNT please"], what="inbound SMS")
    assert seen_on_sim == [1]  # still on the SIM while the sink committed it
    wait_until(lambda: storage_used(sim_pty) == 0, what="deleted after persist")
    message = sink.messages[0]
    assert message.storage == "SM" and message.index is not None and message.error is None
    assert supervisor.status().received == 1


def test_failing_sink_leaves_sms_on_sim_until_a_later_persist(
    sim_pty: SimPty, start: Start
) -> None:
    sink = Sink()
    sink.failures_left = 2
    supervisor = start(sink, Source(), persist_retry=0.2)
    wait_until(lambda: supervisor.status().state == "ready", what="ready")
    sim_pty.mo(SENDER, "keep me")
    wait_until(lambda: supervisor.status().persist_failures >= 1, what="a failed persist")
    assert storage_used(sim_pty) == 1  # not deleted: the sink did not commit
    wait_until(lambda: sink.texts() == ["keep me"], what="persist on retry")
    wait_until(lambda: storage_used(sim_pty) == 0, what="deleted after the retry")


def test_status_report_via_cds_reaches_the_sink(sim_pty: SimPty, start: Start) -> None:
    sink, source = Sink(), Source()
    supervisor = start(sink, source)
    wait_until(lambda: supervisor.status().state == "ready", what="ready")
    source.add(1, "report me")
    supervisor.wake()
    wait_until(lambda: source.results, what="job result")
    (reference,) = source.results[0].references
    assert source.results[0].status == "sent" and reference is not None
    sim_pty.dlr(reference, "delivered")
    wait_until(lambda: sink.reports(), what="status report")
    report = sink.reports()[0]
    assert report.message_reference == reference and report.outcome == "delivered"
    assert sink.messages[0].storage is None  # came as +CDS, never stored
    assert supervisor.status().status_reports == 1


@pytest.mark.parametrize("sim_pty", [{"sms_latency": 0.8}], indirect=True)
def test_cmti_while_sending_multipart_is_processed(sim_pty: SimPty, start: Start) -> None:
    sink = Sink()
    mo = threading.Timer(0.2, lambda: sim_pty.mo(SENDER, "hello during send"))
    source = Source(on_claim=lambda _job: mo.start())
    supervisor = start(sink, source, "split")
    wait_until(lambda: supervisor.status().state == "ready", what="ready")
    text = "Long message with emoji 😀 " * 8
    source.add(5, text)
    supervisor.wake()
    wait_until(lambda: source.results, timeout=20, what="send")
    mo.join()
    assert source.results[0].status == "sent" and len(source.results[0].parts) > 1
    assert sim_pty.sent()[-1]["text"] == text
    # each part is announced before it is written and recorded as soon as it is answered
    expected = []
    for index in range(len(source.results[0].parts)):
        expected += [("starting", 5, index), ("sent", 5, index)]
    assert source.part_events == expected
    wait_until(lambda: sink.texts() == ["hello during send"], what="inbound during send")


def test_wake_sends_at_once_and_failures_are_reported_per_part(
    sim_pty: SimPty, start: Start
) -> None:
    source = Source()
    supervisor = start(Sink(), source)  # outbound_recheck=60 s: only wake() gets it moving
    wait_until(lambda: supervisor.status().state == "ready", what="ready")
    sim_pty.fault("cms_error", code=304, count=1)
    source.add(1, "x" * 200)  # two parts: the first is refused, the second never written
    supervisor.wake()
    wait_until(lambda: source.results, what="job result")
    first = source.results[0]
    assert [p.status for p in first.parts] == ["failed", "not_sent"]
    assert source.part_events[:2] == [("starting", 1, 0), ("failed", 1, 0)]  # part 2 unwritten
    assert first.parts[0].code == 304 and not first.transient
    source.add(2, "second try")
    supervisor.wake()
    wait_until(lambda: len(source.results) == 2, what="second job")
    assert source.results[1].status == "sent"
    assert supervisor.status().sent_parts == 1 and supervisor.status().send_failures == 1


def test_idle_supervisor_sends_no_commands(start: Start) -> None:
    supervisor = start(Sink(), Source())
    wait_until(lambda: supervisor.status().state == "ready", what="ready")
    before = supervisor.status().commands
    time.sleep(1.0)  # idle: the thread blocks on the port read, health is a minute away
    supervisor.wake()  # an empty outbox check costs no AT command either
    time.sleep(0.2)
    assert supervisor.status().commands == before
    assert supervisor.stop(5.0)
    assert supervisor.status().state == "stopped"

"""The recovery ladder: unplug/replug, hang, garbage, and a wrong PIN that is never retried."""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from fixtures_sim import SimPty
from modembridge.modem import ModemConfig, ModemSupervisor
from modembridge.transport import open_port
from modembridge.transport.hostile import HostileSerial, Mode
from modembridge.transport.urls import SerialLike
from test_supervisor_inbound import SENDER, Sink, Source, wait_until


@pytest.fixture
def supervisors() -> Iterator[list[ModemSupervisor]]:
    """Supervisors started by a test; stopped (and checked to stop) at teardown."""
    started: list[ModemSupervisor] = []
    yield started
    for supervisor in started:
        assert supervisor.stop(75.0)  # longer than send_timeout (60 s): liveness only


def start(
    sim: SimPty,
    started: list[ModemSupervisor],
    sink: Sink,
    source: Source,
    mode: Mode = "clean",
    **config: Any,
) -> ModemSupervisor:
    base = ModemConfig(name="main", port=sim.link, outbound_recheck=60.0)

    def factory(cfg: ModemConfig) -> SerialLike:
        return HostileSerial(open_port(cfg.port), mode, seed=3)

    supervisor = ModemSupervisor(replace(base, **config), sink, source, port_factory=factory)
    started.append(supervisor)
    supervisor.start()
    return supervisor


def host_bytes(sim: SimPty) -> bytes:
    """Everything the host wrote to the simulated modem (from its wire log)."""
    chunks = [ast.literal_eval(line[2:]) for line in sim.log() if line.startswith("> ")]
    return b"".join(chunks)


@pytest.mark.parametrize("sim_profile", ["generic", "sim800"])
def test_unplug_reconnects_by_itself_and_sweeps_what_arrived_meanwhile(
    sim_pty: SimPty,
    supervisors: list[ModemSupervisor],
    caplog: pytest.LogCaptureFixture,
    sim_profile: str,
) -> None:
    sink = Sink()
    supervisor = start(sim_pty, supervisors, sink, Source(), "split")
    wait_until(lambda: supervisor.status().state == "ready", what="ready")
    with caplog.at_level(logging.INFO, logger="modembridge.modem.supervisor"):
        sim_pty.fault("unplug", seconds=1.5)
        wait_until(lambda: supervisor.status().state == "reconnecting", what="loss noticed")
        sim_pty.mo(SENDER, "sent while unplugged")  # waits in the network, no +CMTI seen
        wait_until(lambda: sim_pty.state()["plugged"], what="replug")
        # Liveness: the device is back, the supervisor must find it within 10 s.
        wait_until(lambda: supervisor.status().state == "ready", timeout=10.0, what="reconnect")
        wait_until(lambda: sink.texts() == ["sent while unplugged"], what="sweep after reconnect")
    lost = [r for r in caplog.records if "lost:" in r.getMessage()]
    back = [r for r in caplog.records if "back after" in r.getMessage()]
    assert len(lost) == 1 and len(back) == 1  # transitions logged once, retries at debug
    assert supervisor.status().reconnects == 1 and supervisor.is_alive()


def test_hang_recovers_without_restart(sim_pty: SimPty, supervisors: list[ModemSupervisor]) -> None:
    sink, source = Sink(), Source()
    supervisor = start(sim_pty, supervisors, sink, source, command_timeout=0.5, health_interval=0.3)
    wait_until(lambda: supervisor.status().state == "ready", what="ready")
    sim_pty.fault("hang", seconds=3)
    wait_until(lambda: supervisor.status().timeouts >= 1, what="a timeout during the hang")
    wait_until(lambda: supervisor.status().state == "ready", timeout=15, what="recovery")
    source.add(1, "after the hang")
    supervisor.wake()
    wait_until(lambda: source.results, timeout=15, what="send after hang")
    assert source.results[0].status == "sent"
    assert sim_pty.sent()[-1]["text"] == "after the hang"
    assert supervisor.is_alive()


@pytest.mark.parametrize("sim_profile", ["huawei"])
def test_garbage_on_the_line_is_survived(
    sim_pty: SimPty, supervisors: list[ModemSupervisor], sim_profile: str
) -> None:
    sink, source = Sink(), Source()
    supervisor = start(sim_pty, supervisors, sink, source, "garbage")
    wait_until(lambda: supervisor.status().state == "ready", what="ready")
    sim_pty.fault("garbage", bytes=64, count=20)
    sim_pty.mo(SENDER, "through the noise")
    source.add(1, "out through the noise")
    supervisor.wake()
    wait_until(lambda: sink.texts() == ["through the noise"], timeout=15, what="inbound")
    wait_until(lambda: source.results, timeout=15, what="outbound")
    assert source.results[0].status == "sent"
    assert supervisor.status().garbage_events > 0 and supervisor.is_alive()


@pytest.mark.parametrize("sim_pty", [{"pin": "1234"}], indirect=True)
def test_wrong_pin_is_tried_once_and_never_again_across_reconnects(
    sim_pty: SimPty, supervisors: list[ModemSupervisor]
) -> None:
    supervisor = start(sim_pty, supervisors, Sink(), Source(), pin="0000")
    wait_until(lambda: supervisor.status().state == "pin_error", what="pin_error")
    assert "wrong PIN" in (supervisor.status().last_error or "")
    assert sim_pty.modem.state.pin_attempts == 2
    queries = host_bytes(sim_pty).count(b"AT+CPIN?")
    sim_pty.fault("unplug", seconds=0.5)  # the modem reboots: the SIM asks for its PIN again
    wait_until(
        lambda: host_bytes(sim_pty).count(b"AT+CPIN?") > queries,
        timeout=15,
        what="the supervisor to look at the SIM again after the replug",
    )
    assert supervisor.status().state == "pin_error"
    assert sim_pty.modem.state.pin_attempts == 2
    assert host_bytes(sim_pty).count(b'AT+CPIN="0000"') == 1
    supervisor.reset_pin("1234")  # an operator fixed the PIN
    wait_until(lambda: supervisor.status().state == "ready", timeout=15, what="ready")
    assert sim_pty.modem.state.pin_attempts == 3


@pytest.mark.parametrize("sim_pty", [{"pin": "1234"}], indirect=True)
def test_missing_pin_is_reported_and_nothing_is_sent(
    sim_pty: SimPty, supervisors: list[ModemSupervisor]
) -> None:
    supervisor = start(sim_pty, supervisors, Sink(), Source())
    wait_until(lambda: supervisor.status().state == "pin_required", what="pin_required")
    assert b"AT+CPIN=" not in host_bytes(sim_pty)
    assert sim_pty.modem.state.pin_attempts == 3

"""A refused PIN is remembered in the store: a restarted bridge never sends it again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures_sim import SimPty
from modembridge.clock import utcnow
from modembridge.modem import ModemConfig, ModemSupervisor
from modembridge.pipeline.pin_guard import StoredPinGuard
from modembridge.store import Database
from test_supervisor_inbound import Sink, Source, wait_until
from test_supervisor_recovery import host_bytes


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "pin.db")
    yield database
    database.close()


def run_supervisor(sim: SimPty, db: Database, pin: str, state: str) -> ModemSupervisor:
    config = ModemConfig(name="main", port=sim.link, pin=pin, outbound_recheck=60.0)
    guard = StoredPinGuard(db, utcnow)
    supervisor = ModemSupervisor(config, Sink(), Source(), pin_guard=guard)
    supervisor.start()
    wait_until(lambda: supervisor.status().state == state, timeout=15, what=state)
    return supervisor


@pytest.mark.parametrize("sim_pty", [{"pin": "1234"}], indirect=True)
def test_wrong_pin_is_not_resent_after_a_restart(sim_pty: SimPty, db: Database) -> None:
    first = run_supervisor(sim_pty, db, "0000", "pin_error")
    assert first.stop(30.0)
    assert sim_pty.modem.state.pin_attempts == 2

    sim_pty.fault("reboot")  # the SIM asks for its PIN again, as after a power cut
    again = run_supervisor(sim_pty, db, "0000", "pin_error")  # the service restarted
    assert "not sent again" in (again.status().last_error or "")
    assert again.stop(30.0)
    assert sim_pty.modem.state.pin_attempts == 2
    assert host_bytes(sim_pty).count(b'AT+CPIN="0000"') == 1

    fixed = run_supervisor(sim_pty, db, "1234", "ready")  # the operator fixed the config
    assert fixed.stop(30.0)
    assert sim_pty.modem.state.pin_attempts == 3

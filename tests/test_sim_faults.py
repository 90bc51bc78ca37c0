"""Fault injection through the control API, observed on the real pty wire."""

from __future__ import annotations

import os
import time

import pytest
import serial

from fixtures_sim import AtPort, SimPty
from modembridge.sms import encode_submit_pdus


def wait_for(condition: object, timeout: float = 5.0) -> None:
    """Liveness helper: poll a callable until it returns true."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def send(port: AtPort, text: str) -> bytes:
    [pdu] = encode_submit_pdus("+15551234567", text, reference=0)
    assert port.cmd(f"AT+CMGS={pdu.tpdu_length}") == b"\r\n> "
    port.send(pdu.hex.encode() + b"\x1a")
    return port.read_until(b"\r\n", 3) + port.read_until(b"\r\n", 3)


def test_unplug_kills_the_port_and_a_new_tty_returns_with_storage(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    sim_pty.mo("+15550001111", "before unplug")
    old_tty = os.readlink(sim_pty.link)
    assert sim_pty.fault("unplug", seconds=0.5)["faults"] == ["unplug"]
    with pytest.raises(serial.SerialException):
        for _ in range(100):  # the next read or write on the dead tty fails
            port.send(b"AT\r")
            port.port.read(10)
    assert sim_pty.state()["plugged"] is False
    sim_pty.mo("+15550002222", "while unplugged")  # the network keeps delivering
    wait_for(lambda: os.path.lexists(sim_pty.link) and os.readlink(sim_pty.link) != old_tty)
    new_port = sim_pty.at()
    assert new_port.cmd("AT") == b"AT\r\r\nOK\r\n"  # rebooted: echo is on again
    listing = new_port.cmd("AT+CMGL=4")
    assert listing.count(b"+CMGL:") == 2


def test_unplug_removes_the_link_until_replug_and_clear_replugs_at_once(sim_pty: SimPty) -> None:
    sim_pty.fault("unplug", seconds=60)
    wait_for(lambda: not os.path.lexists(sim_pty.link))
    with pytest.raises(serial.SerialException):
        serial.Serial(sim_pty.link)
    sim_pty.fault("clear")
    wait_for(lambda: os.path.lexists(sim_pty.link))
    assert sim_pty.at(echo=False).cmd("AT") == b"\r\nOK\r\n"


def test_hang_swallows_input_until_cleared(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    sim_pty.fault("hang")
    port.send(b"AT\r")
    assert port.drain(0.3) == b""
    assert sim_pty.state()["faults"] == ["hang"]  # the control API still answers
    sim_pty.fault("clear")
    assert port.cmd("AT") == b"\r\nOK\r\n"


def test_hang_for_some_seconds_ends_by_itself(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    sim_pty.fault("hang", seconds=0.2)
    port.send(b"AT\r")
    assert port.drain(0.1) == b""
    wait_for(lambda: "hang" not in sim_pty.state()["faults"])
    assert port.cmd("AT") == b"\r\nOK\r\n"


def test_garbage_once_is_noise_with_non_utf8_bytes(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    sim_pty.fault("garbage", bytes=48)
    noise = port.read_until(b"\r\n")
    assert len(noise) == 50
    with pytest.raises(UnicodeDecodeError):
        noise.decode("utf-8")
    assert port.cmd("AT") == b"\r\nOK\r\n"


def test_garbage_interleaved_into_the_next_responses(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    sim_pty.fault("garbage", bytes=8, count=2)
    for _ in range(2):
        reply = port.cmd("AT")
        assert len(reply) == 8 + len(b"\r\nOK\r\n") and reply.endswith(b"\r\nOK\r\n")
    assert port.cmd("AT") == b"\r\nOK\r\n"


def test_cms_error_fails_the_next_sends(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    sim_pty.fault("cms_error", code=500, count=2)
    assert send(port, "one") == b"\r\n+CMS ERROR: 500\r\n"
    assert send(port, "two") == b"\r\n+CMS ERROR: 500\r\n"
    assert send(port, "three") == b"\r\n+CMGS: 1\r\n"
    assert [m["text"] for m in sim_pty.sent()] == ["three"]


def test_no_network(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CREG=1")
    sim_pty.fault("no_network")
    assert port.read_until(b"+CREG: 2\r\n") == b"\r\n+CREG: 2\r\n"
    assert port.cmd("AT+CREG?") == b"\r\n+CREG: 1,2\r\n\r\nOK\r\n"
    assert port.cmd("AT+CSQ") == b"\r\n+CSQ: 99,99\r\n\r\nOK\r\n"
    assert port.cmd("AT+COPS?") == b"\r\n+COPS: 0\r\n\r\nOK\r\n"
    state = sim_pty.state()
    assert state["registered"] is False and state["signal_dbm"] is None
    assert send(port, "nope") == b"\r\n+CMS ERROR: 331\r\n"
    sim_pty.fault("clear")
    assert port.read_until(b"+CREG: 1\r\n") == b"\r\n+CREG: 1\r\n"
    assert sim_pty.state()["signal_dbm"] == -77


def test_sim_full_holds_new_messages_in_the_network(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CNMI=2,1,0,0,0")
    sim_pty.fault("sim_full")
    assert port.cmd("AT+CPMS?") == b'\r\n+CPMS: "SM",20,20,"SM",20,20,"SM",20,20\r\n\r\nOK\r\n'
    assert sim_pty.mo("+15550001111", "waiting")["pending_mo"] == 1
    assert sim_pty.state()["storage"] == {"used": 20, "total": 20}
    assert port.drain(0.2) == b""
    sim_pty.fault("clear")
    assert port.read_until(b'"SM",1\r\n') == b'\r\n+CMTI: "SM",1\r\n'
    assert sim_pty.state()["pending_mo"] == 0


def test_reboot_drops_settings_and_announces_itself(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CMEE=1")
    port.cmd("AT+CNMI=2,1,0,1,0")
    sim_pty.fault("reboot")
    assert port.read_until(b"+CPIN: READY\r\n") == b"\r\nRDY\r\n\r\n+CPIN: READY\r\n"
    assert port.cmd("AT+CMEE?") == b"AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n"
    assert port.cmd("AT+CNMI?") == b"AT+CNMI?\r\r\n+CNMI: 0,0,0,0,0\r\n\r\nOK\r\n"


def test_reboot_in_the_middle_of_a_prompt_loses_the_send(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    assert port.cmd("AT+CMGS=20") == b"\r\n> "
    sim_pty.fault("reboot")
    port.read_until(b"+CPIN: READY\r\n")
    # the typed PDU now is just a bad command line
    assert port.cmd(b"0011\x1a") == b"0011\x1a\r\r\nERROR\r\n"
    assert port.cmd("AT") == b"AT\r\r\nOK\r\n"
    assert sim_pty.sent() == []


def test_urc_injection(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    sim_pty.fault("urc", text="RING")
    assert port.read_until(b"RING\r\n") == b"\r\nRING\r\n"


def test_signal_changes_csq_and_state_until_cleared(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    assert sim_pty.fault("signal", dbm=-95)["faults"] == ["signal"]
    assert port.cmd("AT+CSQ") == b"\r\n+CSQ: 9,0\r\n\r\nOK\r\n"
    assert sim_pty.state()["signal_dbm"] == -95
    sim_pty.fault("signal", rssi=0)
    assert sim_pty.state()["signal_dbm"] == -113
    sim_pty.fault("clear")
    assert port.cmd("AT+CSQ") == b"\r\n+CSQ: 18,0\r\n\r\nOK\r\n"

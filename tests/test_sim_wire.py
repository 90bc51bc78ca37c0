"""The simulated modem over a real pty: framing, echo, identity, errors, network commands."""

from __future__ import annotations

import re
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures_sim import SimPty
from modembridge.simulator import SimConfig, SimModem

# pieces of plausible and implausible host input for the fuzz test
_FRAGMENTS = [
    b"AT",
    b"\r",
    b"\n",
    b"\x1a",
    b"\x1b",
    b"\x08",
    b"+CMGS=23",
    b"+CMGF=1",
    b'+CMGS="+1555"',
    b";",
    b"=",
    b"?",
    b'"',
    b"+CPMS=",
    b"+CNMI=3,3,3,2,1",
    b"E0",
    b"\xff\xfe",
    b"0011000B915155214365F70000FF05E8329BFD06",
    b"A" * 1100,
]


def test_echo_is_on_at_power_up_and_framing_is_exact(sim_pty: SimPty) -> None:
    port = sim_pty.at()
    assert port.cmd("AT") == b"AT\r\r\nOK\r\n"
    assert port.cmd("ATE0") == b"ATE0\r\r\nOK\r\n"
    assert port.cmd("AT") == b"\r\nOK\r\n"
    assert port.cmd("AT+CSQ") == b"\r\n+CSQ: 18,0\r\n\r\nOK\r\n"
    assert port.cmd("ATE1") == b"\r\nOK\r\n"
    assert port.cmd("AT") == b"AT\r\r\nOK\r\n"


def test_atz_and_at_f_restore_echo_and_cmee(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CMEE=1")
    assert port.cmd("ATZ") == b"\r\nOK\r\n"
    assert port.cmd("AT+CMEE?") == b"AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n"
    port.cmd("ATE0")
    port.cmd("AT&F")
    assert port.cmd("AT").startswith(b"AT\r")


def test_crlf_terminator_lowercase_and_backspace_are_accepted(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.send(b"at+cgmi\r\n")
    assert port.read_until(b"OK\r\n") == b"\r\nModemBridge\r\n\r\nOK\r\n"
    port.send(b"AT+CGMX\x08I\r")
    assert port.read_until(b"OK\r\n") == b"\r\nModemBridge\r\n\r\nOK\r\n"


def test_identity_commands(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    assert port.cmd("AT+CGMM") == b"\r\nSIM-1\r\n\r\nOK\r\n"
    assert port.cmd("AT+CGMR") == b"\r\n1.0.0\r\n\r\nOK\r\n"
    assert port.cmd("AT+CGSN") == b"\r\n490154203237518\r\n\r\nOK\r\n"
    assert port.cmd("AT+CIMI") == b"\r\n001010123456789\r\n\r\nOK\r\n"
    assert port.cmd("AT+CCID") == b"\r\n+CCID: 8900101012345678901\r\n\r\nOK\r\n"
    ati = port.cmd("ATI")
    assert b"\r\nManufacturer: ModemBridge\r\nModel: SIM-1\r\n" in ati
    assert port.cmd("AT+CNUM") == b'\r\n+CNUM: "","+15550009999",145\r\n\r\nOK\r\n'


def test_cmee_levels_change_error_format(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    assert port.cmd("AT+NOPE") == b"\r\nERROR\r\n"
    assert port.cmd("AT+CMEE=1") == b"\r\nOK\r\n"
    assert port.cmd("AT+NOPE") == b"\r\n+CME ERROR: 4\r\n"
    assert port.cmd("AT+CMGR=99") == b"\r\n+CMS ERROR: 321\r\n"
    assert port.cmd("AT+CMEE=2") == b"\r\nOK\r\n"
    assert port.cmd("AT+NOPE") == b"\r\n+CME ERROR: operation not supported\r\n"
    assert port.cmd("AT+CMGR=99") == b"\r\n+CMS ERROR: invalid memory index\r\n"
    assert port.cmd("AT+CMEE=3") == b"\r\nERROR\r\n"
    assert port.cmd("AT+CMEE=?") == b"\r\n+CMEE: (0-2)\r\n\r\nOK\r\n"


def test_chained_commands_share_one_final_result(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    reply = port.cmd("AT+CMGF=0;+CSQ;E0")
    assert reply == b"\r\n+CSQ: 18,0\r\n\r\nOK\r\n"
    # the first failing command ends the line
    assert port.cmd("AT+CSQ;+NOPE;+CGMI") == b"\r\n+CSQ: 18,0\r\n\r\nERROR\r\n"


def test_network_commands(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    assert port.cmd("AT+CREG?") == b"\r\n+CREG: 0,1\r\n\r\nOK\r\n"
    port.cmd("AT+CREG=2")
    assert port.cmd("AT+CREG?") == b'\r\n+CREG: 2,1,"1A2B","01C3"\r\n\r\nOK\r\n'
    assert port.cmd("AT+CGREG?") == b"\r\n+CGREG: 0,1\r\n\r\nOK\r\n"
    assert port.cmd("AT+COPS?") == b'\r\n+COPS: 0,0,"SimNet",0\r\n\r\nOK\r\n'
    assert port.cmd("AT+CFUN?") == b"\r\n+CFUN: 1\r\n\r\nOK\r\n"
    assert port.cmd("AT+CSQ=?") == b"\r\n+CSQ: (0-31,99),(0-7,99)\r\n\r\nOK\r\n"


def test_cfun_0_drops_registration_with_creg_urc(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CREG=1")
    # the URC is written while the command runs, before its final result
    assert port.cmd("AT+CFUN=0") == b"\r\n+CREG: 0\r\n\r\nOK\r\n"
    assert b"+CREG: 1,0" in port.cmd("AT+CREG?")
    assert sim_pty.state()["registered"] is False
    port.cmd("AT+CFUN=1")
    assert b"+CREG: 1,1" in port.cmd("AT+CREG?")


def test_ussd_answers_ok_then_urc(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    assert port.cmd('AT+CUSD=1,"*100#",15') == b"\r\nOK\r\n"
    assert port.read_until(b"15\r\n") == b'\r\n+CUSD: 0,"Balance: 12.34 EUR",15\r\n'


def test_clac_lists_commands_on_generic(sim_pty: SimPty) -> None:
    reply = sim_pty.at(echo=False).cmd("AT+CLAC")
    assert b"\r\nAT+CMGS\r\n" in reply and reply.endswith(b"\r\nOK\r\n")


@pytest.mark.parametrize(
    "junk",
    [
        b"\xff\xfe\x80garbage\r",
        b"hello\r",
        b"AT+CSQ\xff\r",
        b'AT+CPIN="12\r',
        b"AT+CMGD=x\r",
    ],
)
def test_bad_input_is_answered_with_error_and_modem_survives(sim_pty: SimPty, junk: bytes) -> None:
    port = sim_pty.at(echo=False)
    port.send(junk)
    assert port.read_until(re.compile(rb"ERROR[^\r]*\r\n")).endswith(b"\r\n")
    assert port.cmd("AT") == b"\r\nOK\r\n"


def test_over_long_line_gets_error(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.send(b"AT" + b"A" * 3000 + b"\r")
    assert port.read_until(b"ERROR\r\n") == b"\r\nERROR\r\n"
    assert port.cmd("AT") == b"\r\nOK\r\n"


def test_noise_before_at_and_lone_esc_are_ignored(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.send(b"\x1b\r")  # gammu's "escape SMS mode"
    assert port.cmd(b"\x00\xffAT") == b"\r\nOK\r\n"


@pytest.mark.parametrize("sim_pty", [{"latency": 0.05}], indirect=True)
def test_commands_are_answered_one_at_a_time_with_latency(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.send(b"AT+CSQ\rAT+CGMI\r")
    first = port.read_until(b"OK\r\n")
    second = port.read_until(b"OK\r\n")
    assert first == b"\r\n+CSQ: 18,0\r\n\r\nOK\r\n"
    assert second == b"\r\nModemBridge\r\n\r\nOK\r\n"


def _answers_at_after(noise: bytes) -> bool:
    """Feed ``noise`` to an in-process modem, then ESC, CR and commands: does it answer?"""
    received = bytearray()
    arrived = threading.Condition()

    def sink(data: bytes) -> None:
        with arrived:
            received.extend(data)
            arrived.notify_all()

    modem = SimModem(SimConfig(seed=0))
    modem.set_output(sink)
    modem.start()
    try:
        modem.feed(noise)
        modem.feed(b"\x1b\r\r")  # leave a prompt, end any partial line
        modem.feed(b"ATE1\rAT+CGMI\r")
        expected = b"AT+CGMI\r\r\nModemBridge\r\n\r\nOK\r\n"
        with arrived:
            return arrived.wait_for(lambda: expected in received, timeout=5)
    finally:
        modem.stop()


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=400) | st.lists(st.sampled_from(_FRAGMENTS), max_size=12).map(b"".join))
def test_any_host_input_leaves_the_modem_answering(noise: bytes) -> None:
    assert _answers_at_after(noise)

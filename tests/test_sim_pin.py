"""SIM PIN / PUK behaviour of the simulated modem (3 PIN attempts, 10 PUK attempts)."""

from __future__ import annotations

import pytest

from fixtures_sim import SimPty

pytestmark = pytest.mark.parametrize("sim_pty", [{"pin": "1234"}], indirect=True)


def test_commands_needing_the_sim_fail_until_the_pin_is_entered(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CMEE=1")
    assert port.cmd("AT+CPIN?") == b"\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n"
    for command in ("AT+CIMI", "AT+CMGL=4", "AT+CPMS?", "AT+CMGS=10", "AT+CSCA?"):
        assert port.cmd(command) == b"\r\n+CME ERROR: 11\r\n", command
    # identity and radio commands work without the SIM
    assert port.cmd("AT+CGMI") == b"\r\nModemBridge\r\n\r\nOK\r\n"
    assert port.cmd("AT+CSQ") == b"\r\n+CSQ: 18,0\r\n\r\nOK\r\n"
    assert sim_pty.state()["sim"] == "SIM PIN"


def test_right_pin_unlocks_and_announces_ready(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    assert port.cmd('AT+CPIN="1234"') == b"\r\nOK\r\n"
    assert port.read_until(b"+CPIN: READY\r\n") == b"\r\n+CPIN: READY\r\n"
    assert port.cmd("AT+CPIN?") == b"\r\n+CPIN: READY\r\n\r\nOK\r\n"
    assert port.cmd("AT+CIMI") == b"\r\n001010123456789\r\n\r\nOK\r\n"


def test_three_wrong_pins_need_the_puk_then_puk_sets_a_new_pin(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CMEE=1")
    for _ in range(3):
        assert port.cmd('AT+CPIN="0000"') == b"\r\n+CME ERROR: 16\r\n"
    assert port.cmd("AT+CPIN?") == b"\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n"
    # even the right PIN is refused now
    assert port.cmd('AT+CPIN="1234"') == b"\r\n+CME ERROR: 12\r\n"
    assert port.cmd("AT+CIMI") == b"\r\n+CME ERROR: 12\r\n"
    assert port.cmd('AT+CPIN="99999999","4321"') == b"\r\n+CME ERROR: 16\r\n"
    assert port.cmd('AT+CPIN="12345678","4321"') == b"\r\nOK\r\n"
    port.read_until(b"+CPIN: READY\r\n")
    assert port.cmd("AT+CPIN?") == b"\r\n+CPIN: READY\r\n\r\nOK\r\n"
    # the new PIN is the one asked after a reboot
    sim_pty.fault("reboot")
    port.read_until(b"+CPIN: SIM PIN\r\n")
    port.cmd("ATE0")
    assert port.cmd('AT+CPIN="1234"') == b"\r\nERROR\r\n"  # CMEE is 0 again after reboot
    assert port.cmd('AT+CPIN="4321"') == b"\r\nOK\r\n"


def test_a_good_pin_resets_the_attempt_counter(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CMEE=1")
    port.cmd('AT+CPIN="0000"')
    port.cmd('AT+CPIN="0000"')
    assert port.cmd('AT+CPIN="1234"') == b"\r\nOK\r\n"
    assert sim_pty.modem.state.pin_attempts == 3


def test_ten_wrong_puks_block_the_sim(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CMEE=1")
    for _ in range(3):
        port.cmd('AT+CPIN="0000"')
    for _ in range(10):
        assert port.cmd('AT+CPIN="00000000","1111"') == b"\r\n+CME ERROR: 16\r\n"
    assert port.cmd("AT+CPIN?") == b"\r\n+CME ERROR: 13\r\n"
    assert port.cmd('AT+CPIN="12345678","1111"') == b"\r\n+CME ERROR: 13\r\n"
    assert port.cmd("AT+CMGL=4") == b"\r\n+CME ERROR: 13\r\n"
    assert sim_pty.state()["sim"] == "BLOCKED"


def test_pin_is_needed_again_after_reboot_but_not_after_atz(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd('AT+CPIN="1234"')
    port.cmd("ATZ")
    assert b"READY" in port.cmd("AT+CPIN?")
    sim_pty.fault("reboot")
    port.read_until(b"+CPIN: SIM PIN\r\n")
    assert b"+CPIN: SIM PIN" in port.cmd("AT+CPIN?")

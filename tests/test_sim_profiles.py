"""Vendor quirks of the simulator profiles (generic, sim800, huawei, quectel)."""

from __future__ import annotations

import pytest

from fixtures_sim import SimPty
from modembridge.simulator import PROFILES


@pytest.mark.parametrize("sim_profile", sorted(PROFILES))
def test_identity_per_profile(sim_pty: SimPty, sim_profile: str) -> None:
    profile = PROFILES[sim_profile]
    port = sim_pty.at(echo=False)
    assert port.cmd("AT+CGMI") == f"\r\n{profile.manufacturer}\r\n\r\nOK\r\n".encode()
    assert port.cmd("AT+CGMM") == f"\r\n{profile.model}\r\n\r\nOK\r\n".encode()
    assert port.cmd("AT+CGSN") == f"\r\n{profile.imei}\r\n\r\nOK\r\n".encode()
    assert port.cmd("ATI") == ("\r\n" + "\r\n".join(profile.ati_lines) + "\r\n\r\nOK\r\n").encode()
    assert sim_pty.state()["profile"] == sim_profile


# --- SIM800 --------------------------------------------------------------------------------


@pytest.mark.parametrize("sim_profile", ["sim800"])
def test_sim800_quirks(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CMEE=1")
    assert port.cmd("AT+CLAC") == b"\r\n+CME ERROR: 100\r\n"
    assert port.cmd("AT+CNMI=?") == b"\r\n+CNMI: (0-3),(0-3),(0-3),(0,1),(0,1)\r\n\r\nOK\r\n"
    assert port.cmd("AT+CNMI=2,1,0,2,0") == b"\r\n+CMS ERROR: 303\r\n"
    assert port.cmd("AT+CNMI?") == b"\r\n+CNMI: 2,1,0,0,0\r\n\r\nOK\r\n"
    assert port.cmd("AT+CCID") == b"\r\n8900101098765432109\r\n\r\nOK\r\n"
    assert port.cmd("AT+CMGR=5") == b"\r\nOK\r\n"  # empty slot: OK, no data
    assert port.cmd('AT+CPMS="SR"') == b"\r\n+CMS ERROR: 302\r\n"  # no status-report store
    sim_pty.mo("+15550001111", "hi")  # CNMI 2,1 by default: indicated at once
    assert port.read_until(b"\r\n+CMTI: ") + port.read_until(b"\r\n") == b'\r\n+CMTI: "SM",1\r\n'


@pytest.mark.parametrize("sim_profile", ["sim800"])
def test_sim800_boot_lines(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    sim_pty.fault("reboot")
    expected = b"".join(
        f"\r\n{line}\r\n".encode()
        for line in ("RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready")
    )
    assert port.read_until(b"SMS Ready\r\n") == expected


@pytest.mark.parametrize("sim_pty", [{"profile": "sim800", "pin": "1234"}], indirect=True)
def test_sim800_boot_with_pin_waits_for_it(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    sim_pty.fault("reboot")
    assert (
        port.read_until(b"+CPIN: SIM PIN\r\n")
        == b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: SIM PIN\r\n"
    )
    port.cmd("ATE0")
    assert port.cmd('AT+CPIN="1234"') == b"\r\nOK\r\n"
    ready = b"\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n"
    assert port.read_until(b"SMS Ready\r\n") == ready


# --- Huawei --------------------------------------------------------------------------------


@pytest.mark.parametrize("sim_profile", ["huawei"])
def test_huawei_indices_start_at_zero_and_unknown_is_not_support(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT^CURC=0")
    port.cmd("AT+CNMI=2,1,0,0,0")
    sim_pty.mo("+15550001111", "zero based")
    assert port.read_until(b'"SM",0\r\n') == b'\r\n+CMTI: "SM",0\r\n'
    assert port.cmd("AT+CMGL=4").startswith(b"\r\n+CMGL: 0,0,,")
    assert port.cmd("AT+FOO") == b"\r\nCOMMAND NOT SUPPORT\r\n"
    assert port.cmd("AT+CMEE=1") == b"\r\nOK\r\n"
    assert port.cmd("AT+FOO") == b"\r\nCOMMAND NOT SUPPORT\r\n"
    assert port.cmd("AT^ICCID?") == b"\r\n^ICCID: 8900101055555555555\r\n\r\nOK\r\n"
    assert port.cmd("AT+CMGD=20") == b"\r\n+CMS ERROR: 321\r\n"  # 0..19 only


@pytest.mark.parametrize("sim_pty", [{"profile": "huawei", "noise_interval": 0.02}], indirect=True)
def test_huawei_urc_noise_until_curc_0(sim_pty: SimPty) -> None:
    port = sim_pty.at(timeout=0.05)
    noise = port.read_until(b"^RSSI:18\r\n")
    assert noise.endswith(b"\r\n^RSSI:18\r\n")
    assert port.cmd("AT^CURC=0").endswith(b"\r\nOK\r\n")
    port.drain(0.1)  # noise written before the OK
    assert port.drain(0.2) == b""
    assert port.cmd("AT^CURC?") == b"AT^CURC?\r\r\n^CURC: 0\r\n\r\nOK\r\n"


def test_curc_is_huawei_only(sim_pty: SimPty) -> None:
    assert sim_pty.at(echo=False).cmd("AT^CURC=0") == b"\r\nERROR\r\n"


# --- Quectel -------------------------------------------------------------------------------


@pytest.mark.parametrize("sim_profile", ["quectel"])
def test_quectel_sms_commands_wait_for_sms_done(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    sim_pty.fault("reboot")
    boot = port.read_until(b"PB DONE\r\n")
    assert boot == b"\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: PB DONE\r\n"
    port.send(b"ATE0\r")
    port.read_until(b"OK\r\n")
    assert port.cmd("AT+CMGL=4") == b"\r\n+CMS ERROR: 500\r\n"
    assert port.read_until(b"+QIND: SMS DONE\r\n", timeout=5) == b"\r\n+QIND: SMS DONE\r\n"
    assert port.cmd("AT+CMGL=4") == b"\r\nOK\r\n"


@pytest.mark.parametrize("sim_profile", ["quectel"])
def test_quectel_reports_stored_sr_reports_as_sm(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    assert port.cmd("AT+COPS?") == b'\r\n+COPS: 0,0,"SimNet",7\r\n\r\nOK\r\n'
    assert port.cmd("AT+QCCID") == b"\r\n+QCCID: 8900101077777777777\r\n\r\nOK\r\n"
    port.cmd("AT+CNMI=2,1,0,2,0")
    port.send_sms("+15551234567", "report")
    sim_pty.dlr(1, "delivered")
    assert port.read_until(b"+CDSI: ") + port.read_until(b"\r\n") == b'\r\n+CDSI: "SM",1\r\n'

"""probe() and send_sms_once(): the one-shot paths behind `modembridge probe` / `sendsms`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixtures_sim import SimPty
from modembridge.modem import ProbeError, probe, send_sms_once
from modembridge.transport import open_port


@pytest.mark.parametrize("sim_profile", ["generic", "huawei"])
def test_probe_describes_the_modem(sim_pty: SimPty, sim_profile: str) -> None:
    sim_pty.mo("+15550001111", "waiting on the SIM")
    info = probe(sim_pty.link)
    assert info["manufacturer"] and info["model"] and info["imei"] and info["imsi"]
    assert info["signal"]["dbm"] == sim_pty.state()["signal_dbm"]
    assert info["registration"] == "registered_home" and info["operator"] == "SimNet"
    assert info["smsc"] == "+15550000000"
    assert info["storage"] == {"used": 1, "total": sim_pty.state()["storage"]["total"]}
    assert sim_pty.state()["storage"]["used"] == 1  # a probe reads, it never deletes


def test_probe_missing_port(tmp_path: Path) -> None:
    with pytest.raises(ProbeError, match=r"^no such port$"):
        probe(str(tmp_path / "nope"))


def test_probe_busy_port(sim_pty: SimPty) -> None:
    owner = open_port(sim_pty.link)
    try:
        with pytest.raises(ProbeError, match=r"^port busy$"):
            probe(sim_pty.link)
    finally:
        owner.close()


@pytest.mark.parametrize("sim_pty", [{"pin": "1234"}], indirect=True)
def test_probe_needs_the_pin(sim_pty: SimPty) -> None:
    with pytest.raises(ProbeError, match=r"^SIM PIN needed$"):
        probe(sim_pty.link)
    assert probe(sim_pty.link, pin="1234")["imsi"]


def test_probe_silent_device_is_no_answer(tmp_path: Path) -> None:
    master, slave = os.openpty()  # a tty with nothing behind it
    link = tmp_path / "silent"
    link.symlink_to(os.ttyname(slave))
    try:
        with pytest.raises(ProbeError, match=r"^no answer$"):
            probe(str(link))
    finally:
        os.close(slave)
        os.close(master)


@pytest.mark.parametrize("sim_profile", ["sim800", "quectel"])
def test_send_sms_once_multipart_unicode(sim_pty: SimPty, sim_profile: str) -> None:
    text = "Ünïcode and emoji 👍🏽 " * 6
    result = send_sms_once(sim_pty.link, "+15551234567", text, reference=77)
    assert result["encoding"] == "ucs2" and result["parts"] == len(result["references"]) > 1
    sent = sim_pty.sent()[-1]
    assert sent["text"] == text and sent["references"] == result["references"]


def test_send_sms_once_reports_the_modem_error(sim_pty: SimPty) -> None:
    sim_pty.fault("no_network")
    with pytest.raises(ProbeError, match=r"part 1/1 refused: \+CMS ERROR 331"):
        send_sms_once(sim_pty.link, "+15551234567", "hi", report=False)

"""Control API errors and shapes, the in-process sim:// URL and run_simulator."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
import serial

from fixtures_sim import AtPort, SimPty
from modembridge.simulator import registry
from modembridge.simulator.main import run_simulator


def test_state_shape(sim_pty: SimPty) -> None:
    state = sim_pty.state()
    assert {k: state[k] for k in ("registered", "signal_dbm", "storage", "pending_mo")} == {
        "registered": True,
        "signal_dbm": -77,
        "storage": {"used": 0, "total": 20},
        "pending_mo": 0,
    }


@pytest.mark.parametrize(
    ("method", "path", "raw", "status", "code"),
    [
        ("POST", "/mo", b"{not json", 400, "bad_json"),
        ("POST", "/mo", b"[1, 2]", 400, "bad_json"),
        ("POST", "/mo", b'{"from": "+15550001111"}', 400, "bad_request"),
        ("POST", "/mo", b'{"from": "+15550001111", "text": ""}', 400, "bad_request"),
        ("POST", "/mo", b'{"from": "not a number!", "text": "x"}', 400, "bad_request"),
        ("POST", "/fault", b'{"kind": "explode"}', 400, "unknown_kind"),
        ("POST", "/fault", b'{"kind": "hang", "seconds": "ten"}', 400, "bad_number"),
        ("POST", "/fault", b'{"kind": "hang", "seconds": -1}', 400, "bad_number"),
        ("POST", "/fault", b'{"kind": "unplug", "seconds": true}', 400, "bad_number"),
        ("POST", "/fault", b'{"kind": "cms_error", "code": 1.5}', 400, "bad_number"),
        ("POST", "/fault", b'{"kind": "hang", "secs": 3}', 400, "bad_request"),
        ("POST", "/fault", b'{"kind": "signal", "dbm": -20}', 400, "bad_number"),
        ("POST", "/fault", b'{"kind": "urc", "text": "two\\r\\nlines"}', 400, "bad_request"),
        ("POST", "/dlr", b'{"reference": 300, "status": "delivered"}', 400, "bad_number"),
        ("POST", "/dlr", b'{"reference": 1, "status": "lost"}', 400, "bad_request"),
        ("POST", "/dlr", b'{"reference": 9, "status": "delivered"}', 404, "unknown_reference"),
        ("GET", "/nope", None, 404, "not_found"),
        ("GET", "/mo", None, 405, "method_not_allowed"),
        ("POST", "/state", b"{}", 405, "method_not_allowed"),
    ],
)
def test_control_api_errors(
    sim_pty: SimPty, method: str, path: str, raw: bytes | None, status: int, code: str
) -> None:
    got_status, body = sim_pty.request(method, path, raw=raw)
    assert got_status == status
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_mo_from_alphanumeric_sender_and_reset(sim_pty: SimPty) -> None:
    assert sim_pty.mo("Amazon", "Your parcel")["stored"] == [1]
    status, storage = sim_pty.request("GET", "/storage?memory=SM")
    assert status == 200 and storage[0]["index"] == 1
    assert sim_pty.reset()["storage"]["used"] == 0
    assert sim_pty.sent() == []


def test_wire_log_records_both_directions(sim_pty: SimPty) -> None:
    sim_pty.at(echo=False).cmd("AT+CSQ")
    log = sim_pty.log()
    assert any(line.startswith("> ") and "AT+CSQ" in line for line in log)
    assert any(line.startswith("< ") and "+CSQ: 18,0" in line for line in log)


# --- sim:// in-process ---------------------------------------------------------------------


def open_url(url: str, **kwargs: object) -> serial.SerialBase:
    if "modembridge.transport" not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append("modembridge.transport")
    return serial.serial_for_url(url, timeout=0.05, **kwargs)


def test_sim_url_speaks_at_and_shares_the_registry(sim_url: str) -> None:
    port = open_url(sim_url)
    try:
        at = AtPort(port)
        assert at.cmd("AT") == b"AT\r\r\nOK\r\n"
        operations = registry.get(sim_url)
        assert operations is not None
        operations.mo("+15550001111", "in process")
        assert at.cmd("ATE0;+CMGL=4").count(b"+CMGL: 1,0,,") == 1
        assert port.in_waiting == 0
        assert port.read(10) == b""  # honours the timeout
        at.send(b"AT\r")
        assert at.read_until(b"OK\r\n") == b"\r\nOK\r\n"
    finally:
        port.close()


def test_sim_url_storage_survives_reopen_and_exclusive_is_busy(sim_url: str) -> None:
    first = open_url(sim_url, exclusive=True)
    with pytest.raises(serial.SerialException, match="busy"):
        open_url(sim_url, exclusive=True)
    AtPort(first).cmd("AT+CMGF=1")
    first.close()
    second = open_url(sim_url)
    try:
        assert AtPort(second).cmd("AT+CMGF?").endswith(b"+CMGF: 1\r\n\r\nOK\r\n")
    finally:
        second.close()


def test_sim_url_unplug_raises_until_the_device_returns(sim_url: str) -> None:
    port = open_url(sim_url)
    operations = registry.get(sim_url)
    assert operations is not None
    operations.fault("unplug", {"seconds": 0.2})
    with pytest.raises(serial.SerialException):
        port.read(1)
    with pytest.raises(serial.SerialException):
        port.write(b"AT\r")
    port.close()
    deadline = time.monotonic() + 5
    while True:
        try:
            again = open_url(sim_url)
            break
        except serial.SerialException:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    try:
        assert AtPort(again).cmd("AT") == b"AT\r\r\nOK\r\n"
    finally:
        again.close()


@pytest.mark.parametrize(
    "url",
    ["sim://nokia", "sim://?slots=0", "sim://?pin=12", "sim://?colour=red", "sim://?latency=-1"],
)
def test_bad_sim_urls_are_serial_exceptions(url: str) -> None:
    with pytest.raises(serial.SerialException):
        open_url(url)


@pytest.mark.parametrize("sim_profile", ["huawei"])
def test_sim_url_profile_and_name_conflict(sim_url: str) -> None:
    port = open_url(sim_url)
    try:
        assert AtPort(port).cmd("AT+CGMI").endswith(b"\r\nhuawei\r\n\r\nOK\r\n")
        with pytest.raises(serial.SerialException, match="already runs profile"):
            open_url(sim_url.replace("huawei", "sim800"))
    finally:
        port.close()


# --- run_simulator -------------------------------------------------------------------------


def test_run_simulator_serves_until_stopped(tmp_path: Path) -> None:
    link = str(tmp_path / "modem")
    stop = threading.Event()
    thread = threading.Thread(
        target=run_simulator,
        kwargs={"link": link, "profile": "sim800", "pin": "", "sms_latency": 0.0, "stop": stop},
    )
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while not os.path.lexists(link):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        port = serial.Serial(link, timeout=0.05)
        try:
            assert AtPort(port).cmd("AT+CGMI") == b"AT+CGMI\r\r\nSIMCOM_Ltd\r\n\r\nOK\r\n"
        finally:
            port.close()
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert not os.path.lexists(link)


def test_run_simulator_rejects_bad_options(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="slots"):
        run_simulator(str(tmp_path / "m"), slots=0)
    with pytest.raises(ValueError, match="profile"):
        run_simulator(str(tmp_path / "m"), profile="nokia")
    with pytest.raises(ValueError, match="HOST:PORT"):
        run_simulator(str(tmp_path / "m"), control="localhost:http")

"""Port discovery on real pseudo-terminals: a silent decoy, a decoy spraying garbage, small AT
responders (a plain modem, a Huawei-like pair of ports, a SIM800 that loses the first AT) and,
when the simulator fixture is available, the simulated modem itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import select
import subprocess
import sys
import threading
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial

from modembridge import discovery
from modembridge.discovery import NoModemFoundError, PortCandidate

Handler = Callable[["FakePort", bytes], None]
FAST = {"deadline": 2.0, "listen": 0.2}


class FakePort:
    """A pty whose far end is driven by ``handler(port, data)`` in a thread."""

    def __init__(self, link: Path, handler: Handler | None, spray: bool = False) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo from the line discipline before pyserial opens it
        os.set_blocking(self.master, False)  # a full pty buffer drops bytes, never blocks us
        self.spray = random.Random(11) if spray else None
        self.path = os.ttyname(self.slave)
        self.link = str(link)
        link.symlink_to(self.path)
        self.handler = handler
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.01 if self.spray else 0.05)
            if self.spray is not None:  # a marginal UART: noise all the time
                noise = bytes(self.spray.randrange(256) for _ in range(256))
                self.send(noise.replace(b"OK", b"0K"))
            if not ready:
                continue
            try:
                data = os.read(self.master, 1024)
            except BlockingIOError:
                continue
            except OSError:
                return
            if self.handler is not None:
                self.handler(self, data)

    def send(self, data: bytes) -> None:
        with contextlib.suppress(BlockingIOError):
            os.write(self.master, data)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        os.close(self.master)
        os.close(self.slave)


def garbage(seed: int = 7) -> Handler:
    """Answers every input with random bytes (never a valid final result)."""
    rng = random.Random(seed)

    def handle(port: FakePort, _data: bytes) -> None:
        junk = bytes(rng.randrange(256) for _ in range(64)) + b"\r\n\xff\xfe\r"
        port.send(junk.replace(b"OK", b"0K").replace(b"ERROR", b"ERR0R"))

    return handle


def responder(
    *,
    maker: str = "FakeCo",
    cnmi: bool = True,
    urc: str = "",
    echo: bool = True,
    lose_first: int = 0,
) -> Handler:
    """A tiny AT interpreter: AT, AT+CGMI, AT+CGMM, AT+CNMI=?; URCs after each answer."""
    buffer = bytearray()
    lost = [lose_first]

    def handle(port: FakePort, data: bytes) -> None:
        buffer.extend(data)
        while b"\r" in buffer:
            line, _, rest = bytes(buffer).partition(b"\r")
            buffer[:] = rest
            if lost[0] > 0:  # SIM800 autobauding: the first characters are lost
                lost[0] -= 1
                continue
            command = line.decode("ascii", "replace").strip().upper()
            out = line + b"\r" if echo else b""
            answers = {
                "AT": "",
                "AT+CGMI": f"{maker}\r\n",
                "AT+CGMM": "FM-1\r\n",
                "AT+CNMI=?": "+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)\r\n" if cnmi else None,
            }
            body = answers.get(command)
            out += b"\r\nERROR\r\n" if body is None else f"\r\n{body}\r\nOK\r\n".encode()
            if urc:
                out += f"\r\n{urc}\r\n".encode()
            port.send(out.replace(b"\r\n\r\n", b"\r\n"))

    return handle


@pytest.fixture
def ports(tmp_path: Path) -> Iterator[Callable[..., FakePort]]:
    made: list[FakePort] = []

    def make(name: str, handler: Handler | None, spray: bool = False) -> FakePort:
        port = FakePort(tmp_path / name, handler, spray)
        made.append(port)
        return port

    yield make
    for port in made:
        port.close()


@pytest.fixture
def empty_dev(tmp_path: Path) -> str:
    """A device directory with no serial ports, so only the ports we pass are scanned."""
    path = tmp_path / "dev"
    path.mkdir()
    return str(path)


def by_path(candidates: list[PortCandidate]) -> dict[str, PortCandidate]:
    return {c.path: c for c in candidates}


def test_scan_finds_the_modem_among_decoys(ports, empty_dev) -> None:
    silent = ports("silent", None)
    noisy = ports("noisy", garbage())
    modem = ports("modem", responder())
    found = discovery.scan_ports([silent.link, noisy.link, modem.link], dev_dir=empty_dev, **FAST)
    result = by_path(found)
    assert [c.path for c in found] == [silent.link, noisy.link, modem.link]
    assert not result[silent.link].responds and "no answer" in result[silent.link].reason
    assert not result[noisy.link].responds
    hit = result[modem.link]
    assert hit.responds and hit.urc_capable and not hit.urc_seen
    assert (hit.manufacturer, hit.model, hit.device) == ("FakeCo", "FM-1", modem.path)
    assert discovery.choose_auto_port(found).path == modem.link


def test_a_port_spraying_noise_neither_hangs_nor_crashes(ports, empty_dev) -> None:
    noise = ports("noise", garbage(seed=5), spray=True)
    modem = ports("modem", responder())
    found = discovery.scan_ports([noise.link, modem.link], dev_dir=empty_dev, **FAST)
    assert [c.responds for c in found] == [False, True]
    assert discovery.choose_auto_port(found).path == modem.link


def test_auto_prefers_the_port_with_unsolicited_codes(ports, empty_dev) -> None:
    # a Huawei stick: the PPP port answers too, but URCs arrive on the PC UI port
    ppp = ports("ppp", responder(maker="huawei"))
    pcui = ports("pcui", responder(maker="huawei", urc="^RSSI:18"))
    found = discovery.scan_ports([ppp.link, pcui.link], dev_dir=empty_dev, **FAST)
    assert by_path(found)[pcui.link].urc_seen
    assert "^RSSI:18" in by_path(found)[pcui.link].reason
    assert discovery.choose_auto_port(found).path == pcui.link


def test_auto_prefers_the_port_that_takes_cnmi(ports, empty_dev) -> None:
    plain = ports("plain", responder(cnmi=False))
    sms = ports("sms", responder())
    found = discovery.scan_ports([plain.link, sms.link], dev_dir=empty_dev, **FAST)
    assert by_path(found)[plain.link].responds and not by_path(found)[plain.link].urc_capable
    assert "ERROR" in by_path(found)[plain.link].reason
    assert discovery.choose_auto_port(found).path == sms.link


def test_sim800_that_loses_the_first_at(ports, empty_dev) -> None:
    sim800 = ports("sim800", responder(maker="SIMCOM_Ltd", echo=False, lose_first=1))
    (found,) = discovery.scan_ports([sim800.link], dev_dir=empty_dev, **FAST)
    assert found.responds and found.manufacturer == "SIMCOM_Ltd"


def test_no_modem_gives_a_clear_error(ports, empty_dev) -> None:
    silent = ports("silent", None)
    noisy = ports("noisy", garbage(seed=3))
    found = discovery.scan_ports([silent.link, noisy.link], dev_dir=empty_dev, **FAST)
    with pytest.raises(NoModemFoundError) as info:
        discovery.choose_auto_port(found)
    assert silent.link in str(info.value) and noisy.link in str(info.value)
    assert "dialout" in str(info.value)
    report = discovery.scan_report(found)
    assert report["auto"] is None and "no modem answered" in str(report["error"])
    with pytest.raises(NoModemFoundError, match="no serial ports found"):
        discovery.choose_auto_port([])


def test_by_id_links_come_first_and_duplicates_merge(ports, tmp_path: Path) -> None:
    modem = ports("modem", responder())
    other = ports("other", None)
    dev = tmp_path / "fakedev"
    (dev / "serial" / "by-id").mkdir(parents=True)
    by_id = dev / "serial" / "by-id" / "usb-Quectel_EC25_0123-if02-port0"
    by_id.symlink_to(modem.path)
    (dev / "modembridge-at").symlink_to(modem.path)
    (dev / "ttyUSB0").symlink_to(other.path)
    (dev / "ttyUSB9").symlink_to(tmp_path / "unplugged")  # dangling: skipped
    names = discovery.list_candidates([modem.link], dev_dir=str(dev))
    assert [(n.path, n.by_id) for n in names] == [(str(by_id), True), (str(dev / "ttyUSB0"), False)]
    assert names[0].aliases == (str(dev / "modembridge-at"), modem.link)
    found = discovery.scan_ports(dev_dir=str(dev), **FAST)
    choice = discovery.choose_auto_port(found)
    assert choice.path == str(by_id) and choice.by_id and choice.device == modem.path


def test_equal_ports_prefer_by_id(ports, tmp_path: Path) -> None:
    first = ports("first", responder())
    second = ports("second", responder())
    dev = tmp_path / "fakedev"
    (dev / "serial" / "by-id").mkdir(parents=True)
    (dev / "ttyUSB0").symlink_to(first.path)
    (dev / "serial" / "by-id" / "usb-modem-if00").symlink_to(second.path)
    found = discovery.scan_ports(dev_dir=str(dev), **FAST)
    assert discovery.choose_auto_port(found).path.endswith("usb-modem-if00")


def test_udev_tag_is_a_hint(ports, empty_dev, tmp_path: Path) -> None:
    first = ports("first", responder())
    tagged = ports("tagged", responder())
    udev = tmp_path / "udev-data"
    udev.mkdir()
    rdev = os.stat(tagged.path).st_rdev
    (udev / f"c{os.major(rdev)}:{os.minor(rdev)}").write_text("E:MODEMBRIDGE_AT=1\nG:systemd\n")
    found = discovery.scan_ports(
        [first.link, tagged.link], dev_dir=empty_dev, udev_dir=str(udev), **FAST
    )
    assert [c.udev_at for c in found] == [False, True]
    assert discovery.choose_auto_port(found).path == tagged.link


def test_busy_and_missing_ports_are_reported(ports, tmp_path: Path) -> None:
    modem = ports("modem", responder())
    with serial.Serial(modem.path, exclusive=True):
        busy = discovery.probe_port(modem.link, **FAST)
    assert not busy.responds and busy.reason == "port busy"
    missing = discovery.probe_port(str(tmp_path / "nothing"), **FAST)
    assert not missing.responds and missing.reason == "no such port"


def test_report_is_json(ports, empty_dev) -> None:
    modem = ports("modem", responder())
    report = discovery.scan_report(discovery.scan_ports([modem.link], dev_dir=empty_dev, **FAST))
    decoded = json.loads(json.dumps(report))
    assert decoded["auto"] == modem.link and decoded["error"] is None
    assert decoded["ports"][0]["responds"] is True and decoded["ports"][0]["aliases"] == []


@pytest.mark.parametrize("sim_profile", ["generic", "huawei", "quectel", "sim800"])
def test_scan_finds_the_simulated_modem(ports, empty_dev, sim_pty, sim_profile) -> None:
    sim = sim_pty
    silent = ports("silent", None)
    noisy = ports("noisy", garbage())
    found = discovery.scan_ports([silent.link, noisy.link, sim.link], dev_dir=empty_dev, **FAST)
    choice = discovery.choose_auto_port(found)
    assert choice.path == sim.link and choice.responds and choice.urc_capable


def test_probe_scan_command(ports) -> None:
    """`modembridge probe --scan` prints the scan report and exits 0 when a port is chosen."""
    command = [sys.executable, "-m", "modembridge.cli"]
    silent = ports("silent", None)
    noisy = ports("noisy", garbage())
    modem = ports("modem", responder())
    args = ["probe", "--scan", "--include", silent.link, "--include", noisy.link]
    result = subprocess.run(
        [*command, *args, "--include", modem.link],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["auto"] == modem.link
    assert {p["path"]: p["responds"] for p in report["ports"]}[silent.link] is False

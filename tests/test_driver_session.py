"""ModemDriver + init sequence against the simulator on a real pty, through hostile transports."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

import pytest

from fixtures_sim import SimPty
from modembridge.at import AtTimeout, CmsError, CommandError
from modembridge.modem import InvalidCommand, ModemDriver, ModemUnresponsive, SendOutcomeUnknown
from modembridge.modem.init import init_session
from modembridge.sms import encode_submit_pdus
from modembridge.transport import open_port
from modembridge.transport.hostile import HostileSerial, Mode

PROFILES = ["generic", "sim800", "huawei", "quectel"]
MODES: list[Mode] = ["bytewise", "split", "urc", "garbage"]
LONG_TEXT = ("Grüße from the bridge 😀 " * 25)[:500]  # UCS-2, several parts, emoji intact
DEST = "+15551234567"

OpenDriver = Callable[..., tuple[ModemDriver, HostileSerial]]


@pytest.fixture
def open_driver(sim_pty: SimPty) -> Iterator[OpenDriver]:
    """Open the simulator's pty link with pyserial, wrapped in a HostileSerial."""
    opened: list[HostileSerial] = []

    def make(mode: Mode = "clean", **kwargs: object) -> tuple[ModemDriver, HostileSerial]:
        port = HostileSerial(open_port(sim_pty.link), mode, seed=len(opened))
        opened.append(port)
        return ModemDriver(port, **kwargs), port  # type: ignore[arg-type]

    yield make
    for port in opened:
        port.close()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sim_profile", PROFILES)
def test_init_and_multipart_send(
    sim_pty: SimPty, open_driver: OpenDriver, sim_profile: str, mode: Mode
) -> None:
    driver, port = open_driver(mode)
    info = init_session(driver, pin=None)
    assert info.imei and info.manufacturer
    assert info.notifications is not None and info.storage == "SM"
    pdus = encode_submit_pdus(DEST, LONG_TEXT, reference=42)
    assert len(pdus) > 1
    references = [driver.send_pdu(pdu) for pdu in pdus]
    assert len(set(references)) == len(pdus)
    sent = sim_pty.sent()[-1]
    assert sent["to"] == DEST and sent["text"] == LONG_TEXT
    assert sent["references"] == references
    if mode in ("urc", "garbage"):
        assert port.injected > 0
    if mode == "urc":
        assert {urc.name for urc in driver.take_urcs()} & {"RING", "+CREG", "^RSSI"}
    if mode == "garbage":
        assert driver.stats.garbage_events >= port.injected > 0


@pytest.mark.parametrize("sim_pty", [{"sms_latency": 0.5}], indirect=True)
def test_cmti_during_send_is_queued_not_lost(sim_pty: SimPty, open_driver: OpenDriver) -> None:
    driver, _ = open_driver("urc")
    init_session(driver, pin=None)
    (pdu,) = encode_submit_pdus(DEST, "hello", reference=1)
    # The MO lands while AT+CMGS waits for the network (sms_latency).
    with _during(lambda: sim_pty.mo("+15550001111", "inbound during send"), after=0.1):
        driver.send_pdu(pdu)
    urcs = driver.take_urcs()
    while not any(u.name == "+CMTI" for u in urcs):
        more = driver.poll(5.0)
        assert more, "no +CMTI arrived"
        urcs += more
    assert driver.command("AT+CSQ").lines[0].startswith("+CSQ")


@pytest.mark.parametrize("sim_pty", [{"sms_latency": 1.5}], indirect=True)
def test_late_reply_after_timeout_never_answers_the_next_command(
    sim_pty: SimPty, open_driver: OpenDriver
) -> None:
    driver, _ = open_driver("split")
    init_session(driver, pin=None)
    (pdu,) = encode_submit_pdus(DEST, "maybe sent", reference=1)
    with pytest.raises(SendOutcomeUnknown) as info:
        driver.send_pdu(pdu, result_timeout=0.3)
    assert info.value.followup is None  # the resync worked
    assert driver.stats.timeouts == 1 and driver.stats.resyncs == 1
    # The "+CMGS: n / OK" that came late went nowhere: the next answers are their own.
    assert driver.command("AT+CSQ").lines[0].startswith("+CSQ:")
    assert driver.command("AT+CGMI").lines == ("ModemBridge",)
    assert sim_pty.sent()[-1]["text"] == "maybe sent"  # it did leave: hence "unknown"


def test_hang_times_out_then_resync_recovers(sim_pty: SimPty, open_driver: OpenDriver) -> None:
    driver, _ = open_driver("clean")
    init_session(driver, pin=None)
    sim_pty.fault("hang", seconds=1.0)
    with pytest.raises(AtTimeout):
        driver.command("AT+CSQ", timeout=0.3)
    assert driver.command("AT+CSQ").lines[0].startswith("+CSQ:")


def test_endless_hang_is_unresponsive_until_cleared(
    sim_pty: SimPty, open_driver: OpenDriver
) -> None:
    driver, _ = open_driver("clean")
    init_session(driver, pin=None)
    sim_pty.fault("hang")
    with pytest.raises(ModemUnresponsive):
        driver.command("AT+CSQ", timeout=0.3)
    sim_pty.fault("clear")
    assert driver.wake()
    assert driver.command("AT").final.ok


def test_lost_prompt_is_cancelled_with_esc(sim_pty: SimPty, open_driver: OpenDriver) -> None:
    driver, port = open_driver("drop_prompt")
    init_session(driver, pin=None)
    (pdu,) = encode_submit_pdus(DEST, "never sent", reference=1)
    with pytest.raises(AtTimeout) as info:
        driver.send_pdu(pdu, prompt_timeout=0.5)
    assert not isinstance(info.value, SendOutcomeUnknown)
    assert port.injected == 1  # the prompt really was lost
    # Without ESC the modem would take these commands as the SMS text.
    assert driver.command("AT+CSQ").lines[0].startswith("+CSQ:")
    assert sim_pty.sent() == []


def test_modem_errors_are_typed(sim_pty: SimPty, open_driver: OpenDriver) -> None:
    driver, _ = open_driver("clean")
    init_session(driver, pin=None)
    sim_pty.fault("cms_error", code=500, count=1)
    (pdu,) = encode_submit_pdus(DEST, "refused", reference=1)
    with pytest.raises(CmsError) as info:
        driver.send_pdu(pdu)
    assert info.value.code == 500 and info.value.transient
    with pytest.raises(CommandError):
        driver.command("AT+NOSUCHTHING")
    assert driver.send_pdu(pdu) >= 0  # the fault was one-shot; the session is fine


@pytest.mark.parametrize("bad", ["", "AT\r", "AT\nAT", "AT+CMGS=1\x1a", "AT\x1b"])
def test_commands_that_break_framing_are_refused(open_driver: OpenDriver, bad: str) -> None:
    driver, _ = open_driver("clean")
    with pytest.raises(InvalidCommand):
        driver.command(bad)
    assert driver.stats.commands == 0


def test_garbage_fault_is_counted_never_fatal(sim_pty: SimPty, open_driver: OpenDriver) -> None:
    driver, _ = open_driver("clean")
    init_session(driver, pin=None)
    sim_pty.fault("garbage", bytes=48, count=5)
    for _ in range(5):
        assert driver.command("AT+CSQ").lines[-1].startswith("+CSQ:")
    assert driver.stats.garbage_events > 0


def test_wire_log_redacts_numbers_pin_and_pdus(
    sim_pty: SimPty, open_driver: OpenDriver, caplog: pytest.LogCaptureFixture
) -> None:
    wire = logging.getLogger("modembridge.wire.test")
    driver, _ = open_driver("clean", wire_log=wire)
    with caplog.at_level(logging.DEBUG, logger=wire.name):
        init_session(driver, pin=None)
        (pdu,) = encode_submit_pdus(DEST, "secret text", reference=1)
        driver.send_pdu(pdu)
        driver.command("AT+CIMI")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "TX AT+CMGS=" in text and "RX OK" in text
    assert pdu.hex not in text and "5551234567" not in text
    assert "001010123456789" not in text  # IMSI


def test_idle_poll_blocks_without_traffic(sim_pty: SimPty, open_driver: OpenDriver) -> None:
    driver, _ = open_driver("clean")
    init_session(driver, pin=None)
    before = driver.stats.commands
    assert driver.poll(0.3) == []
    assert driver.stats.commands == before
    stop = threading.Event()
    stop.set()
    assert driver.poll(30.0, interrupt=stop.is_set) == []  # returns at once when told


class _during:
    """Run ``action`` in a thread shortly after entering the block; join on exit."""

    def __init__(self, action: Callable[[], object], *, after: float) -> None:
        self._timer = threading.Timer(after, action)

    def __enter__(self) -> None:
        self._timer.start()

    def __exit__(self, *exc: object) -> None:
        self._timer.join()

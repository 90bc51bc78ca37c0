"""HostileSerial changes how bytes arrive, never which bytes (except the lines it injects)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import serial

from modembridge.transport.hostile import DEFAULT_GARBAGE, HostileSerial
from modembridge.transport.urls import open_port

RESPONSE = b"AT+CMGL=4\r\r\n+CMGL: 1,0,,23\r\n0791ABCD\r\n+CDS: 25\r\n0006\r\n\r\nOK\r\n"


@pytest.fixture
def loop() -> Iterator[serial.Serial]:
    """pyserial's loop:// port: what is written comes back, standing in for modem output."""
    port = open_port("loop://", timeout=0.01)
    yield port
    port.close()


def _read_all(port: HostileSerial) -> tuple[bytes, list[int]]:
    data = bytearray()
    sizes = []
    while chunk := port.read(64):
        data += chunk
        sizes.append(len(chunk))
    return bytes(data), sizes


@pytest.mark.parametrize("mode", ["bytewise", "split", "clean"])
def test_fragmenting_modes_keep_the_bytes(loop: serial.Serial, mode: str) -> None:
    hostile = HostileSerial(loop, mode, seed=3)  # type: ignore[arg-type]
    hostile.write(RESPONSE)
    data, sizes = _read_all(hostile)
    assert data == RESPONSE
    if mode == "bytewise":
        assert set(sizes) == {1}
    if mode == "split":
        assert len(sizes) > 3 and max(sizes) <= 7


def test_urc_mode_injects_between_lines_but_not_inside_two_line_urcs(
    loop: serial.Serial,
) -> None:
    urc = b'\r\n+CMTI: "SM",5\r\n'
    hostile = HostileSerial(loop, "urc", inject=[urc], every=1)
    hostile.write(RESPONSE)
    data, _ = _read_all(hostile)
    assert hostile.injected >= 3
    assert data.replace(urc, b"") == RESPONSE
    assert b"+CDS: 25\r\n0006" in data  # the PDU line stays right behind its header
    assert data.index(urc) < data.index(b"OK")  # mid-response, before the final result


def test_garbage_mode_injects_non_utf8_lines(loop: serial.Serial) -> None:
    hostile = HostileSerial(loop, "garbage", every=2, seed=1)
    hostile.write(RESPONSE)
    data, _ = _read_all(hostile)
    assert hostile.injected >= 1
    for junk in DEFAULT_GARBAGE:
        data = data.replace(junk, b"")
    assert data == RESPONSE


def test_delegates_timeout_and_in_waiting(loop: serial.Serial) -> None:
    hostile = HostileSerial(loop, "bytewise")
    hostile.timeout = 0.02
    assert loop.timeout == 0.02
    hostile.write(b"OK\r\n")
    assert hostile.read(1) == b"O"
    assert hostile.in_waiting == 3

"""open_port: every port is a URL, and every failure is one line a user can act on."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from modembridge.transport import PortError, open_port
from modembridge.transport.urls import HANDLER_PACKAGE, describe_error, register_handlers


@pytest.fixture
def pty_link(tmp_path: Path) -> Iterator[Path]:
    """A symlink to the slave side of a fresh pseudo-terminal (like /dev/modembridge-at)."""
    master, slave = os.openpty()
    link = tmp_path / "modem-at"
    link.symlink_to(os.ttyname(slave))
    try:
        yield link
    finally:
        os.close(slave)
        os.close(master)


def test_registers_sim_handler_package_once() -> None:
    register_handlers()
    register_handlers()
    assert serial.protocol_handler_packages.count(HANDLER_PACKAGE) == 1


def test_missing_device_says_no_such_port(tmp_path: Path) -> None:
    with pytest.raises(PortError) as info:
        open_port(str(tmp_path / "nothing-here"))
    assert info.value.reason == "no such port"
    assert str(tmp_path) in str(info.value)


def test_dangling_link_says_no_such_port(tmp_path: Path) -> None:
    link = tmp_path / "modem-at"
    link.symlink_to(tmp_path / "unplugged")
    with pytest.raises(PortError, match="no such port"):
        open_port(str(link))


def test_second_open_of_a_device_is_port_busy(pty_link: Path) -> None:
    first = open_port(str(pty_link))
    try:
        with pytest.raises(PortError) as info:
            open_port(str(pty_link))
        assert info.value.reason == "port busy"
    finally:
        first.close()
    open_port(str(pty_link)).close()  # the lock goes with the owner


def test_device_link_is_resolved_at_each_open(tmp_path: Path) -> None:
    link = tmp_path / "modem-at"
    master1, slave1 = os.openpty()
    master2, slave2 = os.openpty()
    try:
        link.symlink_to(os.ttyname(slave1))
        port = open_port(str(link))
        assert port.port == os.ttyname(slave1)
        port.close()
        link.unlink()
        link.symlink_to(os.ttyname(slave2))  # udev re-created the link after a USB reset
        port = open_port(str(link))
        assert port.port == os.ttyname(slave2)
        port.write(b"AT\r")
        assert os.read(master2, 16) == b"AT\r"
        port.close()
    finally:
        for fd in (master1, slave1, master2, slave2):
            os.close(fd)


def test_pyserial_urls_open_without_device_only_arguments() -> None:
    port = open_port("loop://", flow_control=True, timeout=0.01)
    try:
        port.write(b"AT\r")
        assert port.read(3) == b"AT\r"
        assert port.timeout == 0.01
    finally:
        port.close()


def test_refused_socket_gives_one_line_reason() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free_port = sock.getsockname()[1]
    with pytest.raises(PortError) as info:
        open_port(f"socket://127.0.0.1:{free_port}")
    assert "\n" not in info.value.reason
    assert info.value.reason


def test_unknown_scheme_is_a_port_error() -> None:
    with pytest.raises(PortError, match="protocol 'nosuch' not known"):
        open_port("nosuch://x")


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (serial.SerialException(2, "could not open port"), "no such port"),
        (serial.SerialException(16, "busy"), "port busy"),
        (serial.SerialException(11, "Could not exclusively lock port"), "port busy"),
        (
            serial.SerialException(13, "could not open port: Permission denied"),
            "permission denied (add the user to the dialout group)",
        ),
        (ValueError("something\nodd"), "something odd"),
    ],
)
def test_error_reasons(exc: Exception, reason: str) -> None:
    assert describe_error(exc) == reason

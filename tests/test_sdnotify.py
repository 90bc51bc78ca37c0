"""sd_notify client against a real AF_UNIX datagram socket, as systemd would listen."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from modembridge import sdnotify


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, dict[str, str]]]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = tmp_path / "notify"
    sock.bind(str(path))
    sock.settimeout(5)
    yield sock, {"NOTIFY_SOCKET": str(path)}
    sock.close()


def test_ready_watchdog_status_stopping(listener: tuple[socket.socket, dict[str, str]]) -> None:
    sock, env = listener
    assert sdnotify.ready(environ=env)
    assert sock.recv(4096) == b"READY=1"
    assert sdnotify.watchdog(environ=env)
    assert sock.recv(4096) == b"WATCHDOG=1"
    assert sdnotify.status("modem main: ok, 3 queued", environ=env)
    assert sock.recv(4096) == b"STATUS=modem main: ok, 3 queued"
    assert sdnotify.stopping(environ=env)
    assert sock.recv(4096) == b"STOPPING=1"


def test_ready_with_status_keeps_one_line(listener: tuple[socket.socket, dict[str, str]]) -> None:
    sock, env = listener
    assert sdnotify.ready("up\nWATCHDOG=1", environ=env)
    # the newline must not smuggle a second assignment into the datagram
    assert sock.recv(4096) == b"READY=1\nSTATUS=up WATCHDOG=1"


def test_abstract_socket_name() -> None:
    name = f"modembridge-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(5)
        assert sdnotify.notify("READY=1", environ={"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(4096) == b"READY=1"


def test_reads_os_environ_by_default(
    listener: tuple[socket.socket, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    sock, env = listener
    monkeypatch.setenv("NOTIFY_SOCKET", env["NOTIFY_SOCKET"])
    assert sdnotify.watchdog()
    assert sock.recv(4096) == b"WATCHDOG=1"


def test_noop_without_systemd() -> None:
    assert sdnotify.ready(environ={}) is False
    assert sdnotify.notify("WATCHDOG=1", environ={"NOTIFY_SOCKET": ""}) is False


def test_failures_do_not_raise(tmp_path: Path) -> None:
    missing = {"NOTIFY_SOCKET": str(tmp_path / "gone")}
    assert sdnotify.watchdog(environ=missing) is False
    assert sdnotify.watchdog(environ={"NOTIFY_SOCKET": "relative/path"}) is False


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WATCHDOG_USEC": "60000000"}, 30.0),
        ({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "4242"}, 30.0),
        ({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "4243"}, None),  # meant for another
        ({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "x"}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval(env: dict[str, str], expected: float | None) -> None:
    assert sdnotify.watchdog_interval(env, pid=4242) == expected


def test_watchdog_interval_defaults_to_our_pid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "2000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert sdnotify.watchdog_interval() == 1.0

"""pytest plugin: simulated-modem fixtures (registered by tests/conftest.py).

Fixtures:
    sim_profile   profile name, "generic" by default; override with
                  ``@pytest.mark.parametrize("sim_profile", ["sim800", "huawei"])``.
    sim_config    the SimConfig used by ``sim_pty`` (override the fixture for PIN, slots, ...).
    sim_pty       a SimModem on a pty + HTTP control API on 127.0.0.1:<free port>; yields a
                  :class:`SimPty` (``.link``, ``.control_url``, ``.modem``, ``.mo()``, ``.sent()``,
                  ``.dlr()``, ``.fault()``, ``.state()``, ``.open()``...). ``indirect`` params work
                  too: a profile name or a dict of SimConfig fields.
    sim_url       a unique in-process ``sim://PROFILE?name=...`` URL, removed at teardown.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import serial

from modembridge.simulator import registry
from modembridge.simulator.engine import SimModem
from modembridge.simulator.main import SimulatorStack
from modembridge.simulator.state import SimConfig
from modembridge.sms import encode_submit_pdus

FINAL_RE = re.compile(rb"\r\n(OK|ERROR|COMMAND NOT SUPPORT|\+CM[ES] ERROR: [^\r\n]*)\r\n|\r\n> ")


SEND_RESULT_RE = re.compile(rb"\r\n(OK|ERROR|\+CMS ERROR: \d+)\r\n")


class AtPort:
    """A tiny AT client over any pyserial port, for tests that check the exact bytes."""

    def __init__(self, port: serial.SerialBase) -> None:
        self.port = port
        self.buffer = bytearray()

    def send(self, data: bytes) -> None:
        """Write raw bytes."""
        self.port.write(data)

    def _fill(self, deadline: float) -> bool:
        chunk = self.port.read(1)  # returns as soon as anything arrives
        if chunk:
            chunk += self.port.read(self.port.in_waiting)
        self.buffer += chunk
        return bool(chunk) or time.monotonic() < deadline

    def read_until(self, pattern: bytes | re.Pattern[bytes], timeout: float = 3.0) -> bytes:
        """Bytes up to and including the first match of ``pattern`` (regex or literal)."""
        regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.buffer)
            if match is not None:
                data = bytes(self.buffer[: match.end()])
                del self.buffer[: match.end()]
                return data
            if not self._fill(deadline):
                raise AssertionError(
                    f"timed out waiting for {regex.pattern!r}; got {bytes(self.buffer)!r}"
                )

    def cmd(self, command: str | bytes, timeout: float = 3.0) -> bytes:
        """Send ``command`` + CR and return everything up to its final result (or prompt)."""
        data = command.encode() if isinstance(command, str) else command
        self.send(data + b"\r")
        return self.read_until(FINAL_RE, timeout)

    def send_sms(
        self, to: str, text: str, *, reference: int = 7, report: bool = True
    ) -> list[bytes]:
        """Send every part of ``text`` with AT+CMGS; returns each part's answer."""
        answers = []
        for pdu in encode_submit_pdus(to, text, reference=reference, request_status_report=report):
            assert self.cmd(f"AT+CMGS={pdu.tpdu_length}") == b"\r\n> "
            self.send(pdu.hex.encode() + b"\x1a")
            answers.append(self.read_until(SEND_RESULT_RE))
        return answers

    def drain(self, quiet: float = 0.2) -> bytes:
        """Everything buffered or arriving until the line has been quiet for ``quiet`` s."""
        last = time.monotonic()
        while time.monotonic() - last < quiet:
            chunk = self.port.read(4096)
            if chunk:
                self.buffer += chunk
                last = time.monotonic()
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


class SimControlError(Exception):
    """The control API answered an error status."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class SimPty:
    """A running pty simulator, driven through its HTTP control API."""

    def __init__(self, stack: SimulatorStack) -> None:
        self.stack = stack
        self.modem: SimModem = stack.modem
        self.link: str = stack.link
        url = stack.control_url
        assert url is not None
        self.control_url: str = url
        self._ports: list[serial.Serial] = []

    def request(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Any:
        """Call the control API; returns (status, decoded JSON) without raising on 4xx."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.control_url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read())

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        status, payload = self.request(method, path, body)
        if status != 200:
            raise SimControlError(status, payload)
        return payload

    def mo(self, sender: str, text: str, parts_out_of_order: bool = False) -> dict[str, Any]:
        """POST /mo: an SMS from ``sender`` arrives."""
        body = {"from": sender, "text": text, "parts_out_of_order": parts_out_of_order}
        return dict(self._call("POST", "/mo", body))

    def sent(self) -> list[dict[str, Any]]:
        """GET /sent."""
        return list(self._call("GET", "/sent"))

    def dlr(self, reference: int, status: str = "delivered") -> dict[str, Any]:
        """POST /dlr."""
        return dict(self._call("POST", "/dlr", {"reference": reference, "status": status}))

    def fault(self, kind: str, **params: Any) -> dict[str, Any]:
        """POST /fault {"kind": kind, **params}."""
        return dict(self._call("POST", "/fault", {"kind": kind, **params}))

    def state(self) -> dict[str, Any]:
        """GET /state."""
        return dict(self._call("GET", "/state"))

    def reset(self) -> dict[str, Any]:
        """POST /reset."""
        return dict(self._call("POST", "/reset", {}))

    def log(self) -> list[str]:
        """GET /log (wire log)."""
        return list(self._call("GET", "/log"))

    def open(self, timeout: float = 0.05, **kwargs: Any) -> serial.Serial:
        """Open the link with pyserial (closed at teardown)."""
        port = serial.Serial(self.link, 115200, timeout=timeout, **kwargs)
        self._ports.append(port)
        return port

    def at(self, *, echo: bool = True, timeout: float = 0.05) -> AtPort:
        """Open the link and return an :class:`AtPort` (ATE0 first unless ``echo``)."""
        port = AtPort(self.open(timeout=timeout))
        if not echo:
            port.cmd("ATE0")
        return port

    def close_ports(self) -> None:
        """Close every port opened with :meth:`open`."""
        for port in self._ports:
            port.close()
        self._ports.clear()


@pytest.fixture
def sim_profile() -> str:
    """Profile of the simulated modem (parametrize to change)."""
    return "generic"


@pytest.fixture
def sim_config(sim_profile: str) -> SimConfig:
    """Configuration of ``sim_pty`` (override for PIN, slots, latency...)."""
    return SimConfig(profile=sim_profile, seed=1234)


@pytest.fixture
def sim_pty(
    request: pytest.FixtureRequest, tmp_path: Path, sim_config: SimConfig
) -> Iterator[SimPty]:
    """A simulated modem on a pty with its control API on a free local port."""
    config = sim_config
    param = getattr(request, "param", None)
    if isinstance(param, str):
        config = dataclasses.replace(config, profile=param)
    elif isinstance(param, dict):
        config = dataclasses.replace(config, **param)
    stack = SimulatorStack(str(tmp_path / "modem"), config, control="127.0.0.1:0")
    stack.start()
    handle = SimPty(stack)
    try:
        yield handle
    finally:
        handle.close_ports()
        stack.stop()


@pytest.fixture
def sim_url(sim_profile: str) -> Iterator[str]:
    """A fresh in-process simulator URL (``sim://PROFILE?name=...``), stopped at teardown."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    try:
        yield f"sim://{sim_profile}?name={name}"
    finally:
        registry.remove(name)

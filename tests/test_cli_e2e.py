"""The documented shell workflow, as a user runs it: `modembridge simulator` in one process,
`modembridge probe` / `sendsms` in others, the control API over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from procs import CLI, SimProcess

LONG_TEXT = ("Flash sale 🎉 👨‍👩‍👧 🇫🇷 café € {curly} “quotes” " * 20)[:500]


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimProcess]:
    process = SimProcess(tmp_path)
    yield process
    process.stop()


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def test_probe_prints_identity_json(sim: SimProcess) -> None:
    result = run("probe", "--port", str(sim.link))
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    expected = {"manufacturer", "model", "revision", "imei", "imsi", "signal", "registration"}
    assert expected | {"operator", "smsc", "storage"} <= set(info)
    assert info["signal"]["dbm"] == -113 + 2 * info["signal"]["rssi"]
    assert info["registration"] == "registered_home"
    assert set(info["storage"]) == {"used", "total"}


def test_sendsms_long_emoji_text_arrives_exactly_once(sim: SimProcess) -> None:
    result = run("sendsms", "--port", str(sim.link), "--to", "+15551234567", "--text", LONG_TEXT)
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["encoding"] == "ucs2" and reply["parts"] == len(reply["references"]) > 1
    sent = sim.get("/sent")
    assert len(sent) == 1
    assert sent[0]["text"] == LONG_TEXT
    assert sent[0]["to"] == "+15551234567"
    assert sent[0]["references"] == reply["references"]


def test_simulator_stops_on_sigterm_and_removes_its_link(sim: SimProcess) -> None:
    assert sim.stop() == 0
    assert not os.path.lexists(sim.link)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line, never a traceback
    return lines[0]


def test_probe_no_such_port(tmp_path: Path) -> None:
    assert "no such port" in one_line_error(run("probe", "--port", str(tmp_path / "nope")))


def test_probe_port_busy(sim: SimProcess) -> None:
    holder = serial.Serial(str(sim.link), exclusive=True)
    try:
        assert "busy" in one_line_error(run("probe", "--port", str(sim.link)))
    finally:
        holder.close()


def test_probe_sim_pin_needed(tmp_path: Path) -> None:
    process = SimProcess(tmp_path, "--pin", "1234")
    try:
        assert "SIM PIN" in one_line_error(run("probe", "--port", str(process.link)))
        assert process.get("/state")["sim"] == "SIM PIN"  # still locked: no PIN was guessed
        ok = run("probe", "--port", str(process.link), "--pin", "1234")
        assert ok.returncode == 0, ok.stderr
    finally:
        process.stop()


def test_probe_no_answer_from_a_silent_port() -> None:
    master, slave = os.openpty()
    try:
        path = os.ttyname(slave)
        assert "no answer" in one_line_error(run("probe", "--port", path))
    finally:
        os.close(master)
        os.close(slave)


@pytest.mark.parametrize(
    ("to", "text", "fragment"),
    [
        ("+15551234567", "pay\x1a", "control character"),
        ("+15551234567", "", "empty"),
        ("not-a-number", "hi", "destination"),
    ],
)
def test_sendsms_bad_input_never_reaches_the_modem(
    sim: SimProcess, to: str, text: str, fragment: str
) -> None:
    line = one_line_error(run("sendsms", "--port", str(sim.link), "--to", to, "--text", text))
    assert fragment in line.lower()
    assert sim.get("/sent") == []

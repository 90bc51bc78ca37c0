"""An independent AT client (gammu) against the simulated modem on a pty.

Skipped only when gammu is missing outside CI; in CI (``CI=true``) .ci/run installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fixtures_sim import SimPty
from modembridge.simulator.main import SimulatorStack
from modembridge.simulator.state import SimConfig

GAMMU = shutil.which("gammu")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

pytestmark = pytest.mark.skipif(
    GAMMU is None and not IN_CI, reason="gammu is not installed (apt install gammu)"
)


def gammu(link: str, tmp: Path, *args: str) -> str:
    """Run gammu against ``link``; returns stdout, fails with gammu's own log on error."""
    assert GAMMU is not None, "CI=true but gammu is not installed"
    tmp.mkdir(parents=True, exist_ok=True)
    rc, log = tmp / "gammurc", tmp / "gammu.log"
    rc.write_text(
        f"[gammu]\ndevice = {link}\nconnection = at115200\nlogfile = {log}\nlogformat = textall\n"
    )
    try:
        result = subprocess.run(
            [GAMMU, "-c", str(rc), *args], capture_output=True, text=True, timeout=30, check=False
        )
    except subprocess.TimeoutExpired:
        result = None
    if result is None or result.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        outcome = "timed out" if result is None else f"-> {result.returncode}\n{result.stdout}"
        pytest.fail(f"gammu {' '.join(args)} {outcome}\n{tail}")
    return result.stdout


def test_gammu_identify_getallsms_and_sendsms(sim_pty: SimPty, tmp_path: Path) -> None:
    identify = gammu(sim_pty.link, tmp_path, "identify")
    assert "ModemBridge" in identify
    assert "490154203237518" in identify
    assert "001010123456789" in identify

    sim_pty.mo("+15550001111", "Hello from the simulated network")
    sim_pty.mo("+15550002222", "Long incoming text. " * 12)
    listing = gammu(sim_pty.link, tmp_path, "getallsms")
    assert '"+15550001111"' in listing
    assert "Hello from the simulated network" in listing
    assert "part 2 of 2" in listing

    gammu(sim_pty.link, tmp_path, "sendsms", "TEXT", "+15551234567", "-text", "hello")
    sent = sim_pty.sent()
    assert [(m["to"], m["text"], m["parts"]) for m in sent] == [("+15551234567", "hello", 1)]


def test_gammu_sends_through_every_vendor_profile(tmp_path: Path) -> None:
    profiles = ("sim800", "huawei", "quectel")
    # Huawei's ^RSSI/^MODE noise is on (gammu knows those URCs); SIM800's under-voltage
    # warning stays off: gammu reports an "UNKNOWN frame" for it, as with a real SIM800
    noise = {"huawei": 0.5}
    stacks = [
        SimulatorStack(
            str(tmp_path / f"modem-{name}"),
            SimConfig(profile=name, noise_interval=noise.get(name)),
        )
        for name in profiles
    ]
    for stack in stacks:
        stack.start()
    try:

        def run(stack: SimulatorStack) -> str:
            work = tmp_path / stack.modem.config.profile
            text = f"hi from {stack.modem.config.profile}"
            gammu(stack.link, work, "sendsms", "TEXT", "+15551234567", "-text", text)
            return text

        with ThreadPoolExecutor(len(stacks)) as pool:
            texts = list(pool.map(run, stacks))
        for stack, text in zip(stacks, texts, strict=True):
            assert [m["text"] for m in stack.modem.sent_messages()] == [text]
    finally:
        for stack in stacks:
            stack.stop()

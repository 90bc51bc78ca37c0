"""The systemd unit and sysusers file: systemd's own tools check them, plus the settings the
deployment relies on (notify + watchdog, dialout, hardening that still lets the modem in).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "modembridge.service"
SYSUSERS = ROOT / "deploy" / "modembridge.sysusers"
INSTALL = ROOT / "deploy" / "install.sh"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def tool(name: str, package: str = "systemd") -> str:
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} missing in CI: apt-get install {package}")
        pytest.skip(f"{name} not installed")
    return path


def unit_settings(text: str) -> dict[str, list[str]]:
    """`Section.Key` -> values in order (keys may repeat, so no configparser)."""
    settings: dict[str, list[str]] = {}
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        settings.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return settings


def verify(unit_text: str, tmp_path: Path) -> list[str]:
    """Run systemd-analyze verify on a copy; return the problems it reports for our unit."""
    analyze = tool("systemd-analyze")
    # ExecStart must exist for verify to pass: point it at a real executable, keep the args
    true = shutil.which("true") or "/bin/true"
    text = re.sub(r"(?m)^ExecStart=\S+", f"ExecStart={true}", unit_text)
    path = tmp_path / "modembridge.service"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    output = (result.stdout + result.stderr).splitlines()
    problems = [line for line in output if "modembridge" in line]
    if result.returncode != 0 and not problems:
        problems = output or [f"exit code {result.returncode}"]
    return problems


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    assert verify(UNIT.read_text(encoding="utf-8"), tmp_path) == []


def test_verify_harness_sees_mistakes(tmp_path: Path) -> None:
    broken = UNIT.read_text(encoding="utf-8").replace("[Service]\n", "[Service]\nWatchDogSec=1\n")
    assert any("WatchDogSec" in line for line in verify(broken, tmp_path))


def test_unit_settings_the_deployment_relies_on() -> None:
    s = unit_settings(UNIT.read_text(encoding="utf-8"))
    one = {key: values[-1] for key, values in s.items()}
    assert one["Service.Type"] == "notify" and one["Service.NotifyAccess"] == "main"
    assert one["Service.WatchdogSec"] == "60"
    assert one["Service.Restart"] == "on-failure" and one["Service.RestartSec"] == "5"
    assert one["Service.User"] == one["Service.Group"] == "modembridge"
    assert "dialout" in one["Service.SupplementaryGroups"].split()
    assert one["Service.StateDirectory"] == "modembridge"
    assert one["Service.ConfigurationDirectory"] == "modembridge"
    assert one["Service.WorkingDirectory"] == "/var/lib/modembridge"
    assert one["Service.ExecStart"] == (
        "/opt/modembridge/venv/bin/modembridge run --config /etc/modembridge/modembridge.toml"
    )
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp"):
        assert one[f"Service.{key}"] == "yes"
    assert one["Service.ProtectSystem"] == "strict"
    assert one["Service.DevicePolicy"] == "closed"
    assert set(s["Service.DeviceAllow"]) == {
        "char-ttyUSB rw",
        "char-ttyACM rw",
        "char-ttyAMA rw",
        "char-ttyS rw",
    }
    assert one.get("Service.PrivateDevices", "no") == "no"  # it would hide the modem
    for key in ("Unit.Wants", "Unit.After"):
        assert "modprobe@usbserial.service" in " ".join(s[key]).split()
    assert one["Install.WantedBy"] == "multi-user.target"


def test_install_script_uses_the_units_paths() -> None:
    script = INSTALL.read_text(encoding="utf-8")
    assert "APP=$R/opt/modembridge" in script and "VENV=$APP/venv" in script
    assert "ETC=$R/etc/modembridge" in script and "STATE=$R/var/lib/modembridge" in script


def test_sysusers_creates_the_user_in_dialout(tmp_path: Path) -> None:
    sysusers = tool("systemd-sysusers")
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (etc / "group").write_text("root:x:0:\ndialout:x:20:\n")
    result = subprocess.run(
        [sysusers, f"--root={tmp_path}", str(SYSUSERS)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    users = {
        line.split(":")[0]: line.split(":") for line in (etc / "passwd").read_text().splitlines()
    }
    assert users["modembridge"][5] == "/var/lib/modembridge"
    assert users["modembridge"][6].endswith("nologin")
    groups = {line.split(":")[0]: line for line in (etc / "group").read_text().splitlines()}
    assert "modembridge" in groups["dialout"].split(":")[3].split(",")
    assert "modembridge" in groups

"""deploy/install.sh in system mode (as root), without touching this machine: /etc, /opt and
/var are overlay-mounted in a private mount namespace, so every write lands in a temporary
directory. Checks the parts --prefix mode skips: the user and its groups, ownership and
modes, and that the service user can run the installed program.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / "deploy" / "install.sh"

pytestmark = pytest.mark.timeout(1800)

SCRIPT = r"""
set -e
for d in etc opt var; do
    mkdir -p "$OV/$d/up" "$OV/$d/work"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$OV/$d/up,workdir=$OV/$d/work" "/$d"
done
cd /
bash "$INSTALL" >"$OV/first.log" 2>&1
bash "$INSTALL" >"$OV/second.log" 2>&1
echo "user=$(id -nG modembridge)"
echo "home=$(getent passwd modembridge | cut -d: -f6)"
echo "etc=$(stat -c '%U:%G %a' /etc/modembridge)"
echo "config=$(stat -c '%U:%G %a' /etc/modembridge/modembridge.toml)"
echo "state=$(stat -c '%U:%G %a' /var/lib/modembridge)"
echo "unit=$(test -f /etc/systemd/system/modembridge.service && echo yes)"
echo "rules=$(test -f /etc/udev/rules.d/99-modembridge.rules && echo yes)"
echo "runs=$(runuser -u modembridge -- /opt/modembridge/venv/bin/modembridge --version)"
bash "$INSTALL" --uninstall >"$OV/uninstall.log" 2>&1
echo "after=$(test -e /opt/modembridge && echo venv-left) $(ls /etc/modembridge | tr '\n' ' ')"
"""


def test_system_install_in_an_overlay(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("runuser") is None:
        pytest.skip("needs root, unshare and runuser")
    result = subprocess.run(
        ["unshare", "--mount", "bash", "-c", SCRIPT],
        capture_output=True,
        text=True,
        check=False,
        timeout=1700,
        env={**os.environ, "OV": str(tmp_path), "INSTALL": str(INSTALL)},
    )
    logs = "".join(
        f"\n--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(tmp_path.glob("*.log"))
    )
    if result.returncode != 0 and "mount" in result.stderr and not logs:
        pytest.skip(f"no overlay mounts in a private namespace here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stdout + result.stderr + logs
    facts = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert set(facts["user"].split()) == {"modembridge", "dialout"}
    assert facts["home"] == "/var/lib/modembridge"
    assert facts["etc"] == "root:modembridge 750"
    assert facts["config"] == "root:modembridge 640"
    assert facts["state"] == "modembridge:modembridge 750"
    assert facts["unit"] == facts["rules"] == "yes"
    assert facts["runs"].startswith("modembridge, version")
    assert facts["after"].split() == ["modembridge.toml", "modembridge.toml.example"]
    assert "kept your" in (tmp_path / "second.log").read_text()

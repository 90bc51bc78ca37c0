"""deploy/install.sh in --prefix mode: a real venv and pip install into a folder, run twice.

"Same tree" means: the same list of paths (venv included), identical contents for every file
outside the venv, and a working entry point. (Inside the venv pip rewrites RECORD files and
bytecode on every install, so contents there are not compared.) The installed entry point
must then run the service on the simulated modem and answer /api/v1/health.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from modembridge.config import load_config

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / "deploy" / "install.sh"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
VENV = Path("opt/modembridge/venv")
ENTRY = VENV / "bin" / "modembridge"
CONFIG = Path("etc/modembridge/modembridge.toml")
INSTALL_TIMEOUT = 900  # a Pi Zero building a venv from PyPI is slow

pytestmark = pytest.mark.timeout(INSTALL_TIMEOUT * 3)


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFY_", "WATCHDOG_"))}
    env.pop("DESTDIR", None)
    env.pop("VIRTUAL_ENV", None)
    return env


def python_args() -> list[str]:
    """install.sh defaults to /usr/bin/python3; use ours where that is too old or lacks venv."""
    system = Path("/usr/bin/python3")
    check = "import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))"
    if system.exists() and subprocess.run([system, "-c", check], check=False).returncode == 0:
        return []
    return ["--python", sys.executable]


def install(*args: str) -> subprocess.CompletedProcess[str]:
    extra = python_args() if "--uninstall" not in args else []
    return subprocess.run(
        ["bash", str(INSTALL), *extra, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=INSTALL_TIMEOUT,
        env=clean_env(),
    )


def snapshot(root: Path) -> tuple[list[str], dict[str, bytes]]:
    paths, contents = [], {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        paths.append(f"{rel}{'/' if path.is_dir() and not path.is_symlink() else ''}")
        if path.is_file() and not path.is_symlink() and VENV not in rel.parents:
            contents[str(rel)] = path.read_bytes()
    return paths, contents


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if shutil.which("bash") is None:
        pytest.skip("bash not installed")
    prefix = tmp_path_factory.mktemp("prefix")
    first = install("--prefix", str(prefix))
    assert first.returncode == 0, first.stdout + first.stderr
    tree1 = snapshot(prefix)
    second = install("--prefix", str(prefix))
    assert second.returncode == 0, second.stdout + second.stderr
    tree2 = snapshot(prefix)
    return {"prefix": prefix, "first": first, "second": second, "tree1": tree1, "tree2": tree2}


def test_twice_gives_the_same_tree(installed: dict[str, object]) -> None:
    paths1, contents1 = installed["tree1"]  # type: ignore[misc]
    paths2, contents2 = installed["tree2"]  # type: ignore[misc]
    assert paths1 == paths2
    assert contents1 == contents2
    assert "kept your" in installed["second"].stdout  # type: ignore[attr-defined]


def test_prefix_tree_has_everything(installed: dict[str, object]) -> None:
    prefix: Path = installed["prefix"]  # type: ignore[assignment]
    expected = {
        "etc/udev/rules.d/99-modembridge.rules": ROOT / "udev/99-modembridge.rules",
        "etc/systemd/system/modembridge.service": ROOT / "deploy/modembridge.service",
        "etc/sysusers.d/modembridge.conf": ROOT / "deploy/modembridge.sysusers",
        "etc/modembridge/modembridge.toml": ROOT / "deploy/modembridge.toml.example",
        "etc/modembridge/modembridge.toml.example": ROOT / "deploy/modembridge.toml.example",
        "opt/modembridge/docs/raspberry-pi.md": ROOT / "docs/raspberry-pi.md",
        "opt/modembridge/docs/udev.md": ROOT / "udev/README.md",
    }
    for rel, source in expected.items():
        assert (prefix / rel).read_bytes() == source.read_bytes(), rel
    assert (prefix / "var/lib/modembridge").is_dir()
    assert oct((prefix / CONFIG).stat().st_mode & 0o777) == "0o640"  # may hold the SIM PIN
    assert load_config(prefix / CONFIG).modems[0].port == "/dev/modembridge-at"


def test_installed_entry_point_works(installed: dict[str, object]) -> None:
    prefix: Path = installed["prefix"]  # type: ignore[assignment]
    result = subprocess.run(
        [str(prefix / ENTRY), "--help"], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "run" in result.stdout and "probe" in result.stdout


def test_reinstall_keeps_the_config_and_data(installed: dict[str, object], tmp_path: Path) -> None:
    prefix = tmp_path / "upgrade"
    shutil.copytree(installed["prefix"], prefix, symlinks=True)  # type: ignore[arg-type]
    (prefix / CONFIG).write_text('[[modem]]\nport = "sim://"\n')
    (prefix / "var/lib/modembridge/modembridge.db").write_bytes(b"precious")
    result = install("--prefix", str(prefix))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (prefix / CONFIG).read_text() == '[[modem]]\nport = "sim://"\n'
    assert (prefix / "var/lib/modembridge/modembridge.db").read_bytes() == b"precious"


def test_uninstall_keeps_config_and_data(installed: dict[str, object], tmp_path: Path) -> None:
    prefix = tmp_path / "gone"
    shutil.copytree(installed["prefix"], prefix, symlinks=True)  # type: ignore[arg-type]
    (prefix / "var/lib/modembridge/modembridge.db").write_bytes(b"precious")
    result = install("--prefix", str(prefix), "--uninstall")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (prefix / "opt/modembridge").exists()
    assert not (prefix / "etc/systemd/system/modembridge.service").exists()
    assert not (prefix / "etc/udev/rules.d/99-modembridge.rules").exists()
    assert (prefix / CONFIG).is_file()
    assert (prefix / "var/lib/modembridge/modembridge.db").read_bytes() == b"precious"
    assert "kept" in result.stdout
    again = install("--prefix", str(prefix), "--uninstall")  # idempotent too
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prefix", "/"], "real system"),
        (["--bogus"], "unknown argument"),
        (["--prefix"], "needs a directory"),
    ],
)
def test_bad_arguments_are_refused(args: list[str], message: str) -> None:
    result = install(*args)
    assert result.returncode != 0 and message in result.stderr


def test_system_install_needs_root() -> None:
    command = ["bash", str(INSTALL), *python_args()]
    if os.geteuid() == 0:  # CI runs as root: drop to nobody so nothing can be touched
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=60, env=clean_env()
    )
    assert result.returncode != 0 and "run as root" in result.stderr


def test_shellcheck_is_clean() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        if IN_CI:
            pytest.fail("shellcheck missing in CI: apt-get install shellcheck")
        pytest.skip("shellcheck not installed")
    result = subprocess.run(
        [shellcheck, str(INSTALL)], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stdout


# --- the installed service on the simulated modem -------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_config(tmp_path: Path, port: int) -> Path:
    config = tmp_path / "modembridge.toml"
    config.write_text(
        f"""
[[modem]]
name = "main"
port = "sim://"

[web]
listen = "127.0.0.1:{port}"
secret_key_file = "{tmp_path / "secret_key"}"

[storage]
path = "{tmp_path / "modembridge.db"}"
""",
        encoding="utf-8",
    )
    return config


def wait_for_health(url: str, process: subprocess.Popen[bytes], deadline: float) -> dict:
    last = "no answer"
    while time.monotonic() < deadline:
        assert process.poll() is None, f"service exited with {process.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 503:  # degraded/down still proves the service answers
                return json.loads(exc.read())
            last = f"HTTP {exc.code}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = str(exc)
        time.sleep(0.2)
    pytest.fail(f"{url} did not answer: {last}")


def start_service(
    prefix: Path, tmp_path: Path, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = service_config(tmp_path, port)
    env = clean_env() | (extra_env or {})
    process = subprocess.Popen(
        [str(prefix / ENTRY), "run", "--config", str(config)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return process, f"http://127.0.0.1:{port}/api/v1/health"


def stop_service(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail("service did not stop within 20 s of SIGTERM:\n" + output.decode()[-3000:])
    return process.returncode, output.decode(errors="replace")


def test_installed_service_answers_health_on_the_simulator(
    installed: dict[str, object], tmp_path: Path
) -> None:
    process, url = start_service(installed["prefix"], tmp_path)  # type: ignore[arg-type]
    try:
        health = wait_for_health(url, process, time.monotonic() + 60)
    finally:
        code, output = stop_service(process)
    assert health["status"] in ("ok", "degraded", "down"), health
    assert code == 0, output[-3000:]


def test_installed_service_notifies_systemd(installed: dict[str, object], tmp_path: Path) -> None:
    """Type=notify + WatchdogSec: READY=1 once up, WATCHDOG=1 while healthy, STOPPING=1."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    sock.settimeout(1)
    env = {"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "2000000"}
    process, url = start_service(installed["prefix"], tmp_path, env)  # type: ignore[arg-type]
    seen: list[str] = []
    try:
        wait_for_health(url, process, time.monotonic() + 60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not {"READY=1", "WATCHDOG=1"} <= set(seen):
            try:
                seen += sock.recv(4096).decode().split("\n")
            except TimeoutError:
                assert process.poll() is None, "service exited"
    finally:
        code, output = stop_service(process)
        try:
            while True:
                seen += sock.recv(4096).decode().split("\n")
        except TimeoutError:
            pass
        sock.close()
    assert "READY=1" in seen and "WATCHDOG=1" in seen, (seen, output[-3000:])
    assert "STOPPING=1" in seen
    assert code == 0

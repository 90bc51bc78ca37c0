"""Real processes for end-to-end tests: `modembridge simulator` and `modembridge run`.

The generic pieces (free ports, polling, the service config) are shared with the benchmarks.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench.harness import free_port, wait_until, write_service_config

__all__ = ["CLI", "ServiceProcess", "SimProcess", "free_port", "http_json", "wait_until"]

CLI = [sys.executable, "-m", "modembridge.cli"]


def http_json(url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    """GET (or POST when `body` is given) JSON; HTTP errors return their JSON body."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        return json.load(exc)


class SimProcess:
    """`modembridge simulator` running as its own process, with its control API."""

    def __init__(self, folder: Path, *extra: str, name: str = "sim0") -> None:
        """Start it and wait until the link and the control API answer."""
        folder.mkdir(parents=True, exist_ok=True)
        self.link = folder / name
        self.control = f"127.0.0.1:{free_port()}"
        self.log = folder / f"{name}.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [*CLI, "simulator", "--link", str(self.link), "--control", self.control, *extra],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        while not self._ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"simulator did not start: {self.log.read_text()}")
            time.sleep(0.05)

    def _ready(self) -> bool:
        try:
            self.get("/state")
        except OSError:
            return False
        return self.link.exists()

    def get(self, path: str) -> Any:
        """GET a control API path."""
        return http_json(f"http://{self.control}{path}")

    def post(self, path: str, body: Any) -> Any:
        """POST JSON to a control API path."""
        return http_json(f"http://{self.control}{path}", body)

    def stop(self) -> int:
        """SIGTERM, and the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)


class ServiceProcess:
    """`modembridge run` with a config file written for the test."""

    def __init__(self, folder: Path, modems: list[tuple[str, str]], **options: Any) -> None:
        """Write the config (modems as (name, port) pairs); `start()` launches it."""
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = write_service_config(
            folder,
            modems,
            web_port=self.port,
            parts_per_minute=options.get("parts_per_minute", 100000),
            parts_per_day=100000,
        )
        self.log = folder / "service.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.token = ""

    def create_token(self) -> str:
        """`modembridge token create` against this service's database."""
        result = subprocess.run(
            [*CLI, "token", "create", "test", "--config", str(self.config)],
            capture_output=True,
            text=True,
            check=True,
        )
        self.token = result.stdout.strip()
        return self.token

    def start(self, *, ready: bool = True) -> ServiceProcess:
        """Launch; with `ready`, wait until /api/v1/health reports every modem up."""
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [*CLI, "run", "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
            )
        if ready:
            wait_until(lambda: self._health_ok(), 30, f"service ready ({self.log})")
        return self

    def _health_ok(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"service exited: {self.log.read_text()[-3000:]}")
        try:
            return bool(self.api("/api/v1/health").get("status") == "ok")
        except OSError:
            return False

    def api(self, path: str, body: Any = None) -> Any:
        """Call the REST API with the bearer token."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return http_json(self.url + path, body, headers)

    def stop(self) -> int:
        """SIGTERM and wait for a clean exit; returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    def kill(self) -> None:
        """kill -9: no cleanup at all."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

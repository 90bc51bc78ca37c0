"""Real processes for benchmarks: timed simulated modems, the service, its API and database.

Everything runs as it would in production: ``python -m bench.simproc`` (the product simulator
with a timestamped wire feed) on a pty, ``modembridge run`` with a written config, requests
through the REST API, results read from the simulator and from the SQLite file (read-only).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bench import profile

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLI = [PYTHON, "-m", "modembridge.cli"]
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.02
) -> Any:
    """Poll ``condition()`` until truthy; raise TimeoutError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def write_service_config(
    folder: Path,
    ports: Iterable[tuple[str, str]],
    *,
    web_port: int,
    parts_per_minute: int,
    parts_per_day: int,
) -> Path:
    """Write `folder/modembridge.toml` for (name, port) modems, data kept in `folder`."""
    lines: list[str] = []
    for name, port in ports:
        lines += [
            "[[modem]]",
            f'name = "{name}"',
            f'port = "{port}"',
            f"parts_per_minute = {parts_per_minute}",
            f"parts_per_day = {parts_per_day}",
            "",
        ]
    lines += [
        "[web]",
        f'listen = "127.0.0.1:{web_port}"',
        f'secret_key_file = "{folder / "secret_key"}"',
        "[storage]",
        f'path = "{folder / "bridge.db"}"',
    ]
    config = folder / "modembridge.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def get_json(url: str, timeout: float = 10.0) -> Any:
    """GET a JSON document."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def post_json(url: str, body: Any, timeout: float = 10.0) -> Any:
    """POST a JSON body, return the JSON answer."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


# --- /proc ------------------------------------------------------------------------------------


def proc_status_kb(pid: int, field: str) -> int:
    """A ``kB`` field of /proc/PID/status (VmRSS, VmHWM, ...)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of every thread of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


# --- simulated modems -------------------------------------------------------------------------


class Sim:
    """One ``bench.simproc`` process: a simulated modem on a pty with control + events APIs."""

    def __init__(
        self,
        folder: Path,
        name: str = "sim0",
        *,
        sms_latency: float = 0.0,
        latency: float = 0.0,
        slots: int = 20,
        cpus: set[int] | None = None,
    ) -> None:
        """Start it; returns once the link and both HTTP APIs answer."""
        folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.link = folder / name
        self.control = f"http://127.0.0.1:{free_port()}"
        self.events_url = f"http://127.0.0.1:{free_port()}"
        self.log = folder / f"{name}.log"
        command = [
            *(PYTHON, "-m", "bench.simproc", "--link", str(self.link)),
            *("--control", self.control.removeprefix("http://")),
            *("--events", self.events_url.removeprefix("http://")),
            *("--sms-latency", str(sms_latency), "--latency", str(latency)),
            *("--slots", str(slots)),
        ]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, preexec_fn=_pin(cpus)
            )
        self._next = 0
        wait_until(self._ready, 20, f"simulator {name} ({self.log})", 0.05)

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"simulator exited: {self.log.read_text()[-2000:]}")
        try:
            self.state()
            get_json(self.events_url + "/events?since=0")
        except OSError:
            return False
        return self.link.exists()

    def state(self) -> Any:
        """GET /state."""
        return get_json(self.control + "/state")

    def sent(self) -> list[dict[str, Any]]:
        """GET /sent: what the simulated SMSC accepted."""
        result: list[dict[str, Any]] = get_json(self.control + "/sent", timeout=30)
        return result

    def mo(self, sender: str, text: str) -> Any:
        """POST /mo: an incoming SMS."""
        return post_json(self.control + "/mo", {"from": sender, "text": text})

    def events(self) -> list[tuple[float, str, str]]:
        """Every wire event since the last call (timestamped chunks)."""
        answer = get_json(f"{self.events_url}/events?since={self._next}", timeout=30)
        self._next = answer["next"]
        return [(float(t), d, text) for t, d, text in answer["events"]]

    def stop(self) -> None:
        """SIGTERM and wait."""
        stop_process(self.proc)


def stop_sims(sims: Iterable[Sim]) -> None:
    """Stop several simulators at once (SIGTERM to all, then wait for each)."""
    sims = list(sims)
    for sim in sims:
        if sim.proc.poll() is None:
            sim.proc.send_signal(signal.SIGTERM)
    for sim in sims:
        sim.stop()


def _pin(cpus: set[int] | None) -> Callable[[], None] | None:
    """A preexec_fn that pins the child (and every thread it starts) to ``cpus``."""
    if not cpus:
        return None
    chosen = set(cpus)
    return lambda: os.sched_setaffinity(0, chosen)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> int | None:
    """SIGTERM, wait, SIGKILL if it does not stop; the exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait(timeout=10)


# --- the service ------------------------------------------------------------------------------


class Service:
    """``modembridge run`` against given ports, with its own config, database and token."""

    def __init__(
        self,
        folder: Path,
        ports: Iterable[tuple[str, str]],
        *,
        parts_per_minute: int = 1_000_000,
        parts_per_day: int = 1_000_000,
        cpus: set[int] | None = None,
    ) -> None:
        """Write the config; ``start()`` launches it."""
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_path = folder / "bridge.db"
        self.cpus = cpus
        self.config = write_service_config(
            folder,
            ports,
            web_port=self.port,
            parts_per_minute=parts_per_minute,
            parts_per_day=parts_per_day,
        )
        self.log = folder / "service.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.token = ""
        self.profiler: profile.Profiler | None = None
        self._local = threading.local()
        self._connections: list[http.client.HTTPConnection] = []

    @property
    def pid(self) -> int:
        """Process id of the running service."""
        assert self.proc is not None
        return self.proc.pid

    def create_token(self) -> str:
        """``modembridge token create`` on this service's database (also creates it)."""
        result = subprocess.run(
            [*CLI, "token", "create", "bench", "--config", str(self.config)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        self.token = result.stdout.strip()
        return self.token

    def launch(self) -> float:
        """Start the process; returns the wall-clock time just before the fork."""
        started = time.time()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [*CLI, "run", "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                preexec_fn=_pin(self.cpus),
            )
        return started

    def start(self, timeout: float = 60.0) -> float:
        """Launch and wait until /api/v1/health is ok; returns seconds from launch to ready."""
        started = self.launch()
        wait_until(self.healthy, timeout, f"service ready ({self.log})", 0.01)
        ready = time.time() - started
        if profile.wanted():
            self.profiler = profile.Profiler(self.pid, self.folder)
        return ready

    def healthy(self) -> bool:
        """True once every modem is up (raises if the process died)."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"service exited: {self.log.read_text()[-3000:]}")
        try:
            status, body = self.request("GET", "/api/v1/health")
        except OSError:
            self._drop_connection()
            return False
        return status == 200 and body.get("status") == "ok"

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self._local.conn = conn
            self._connections.append(conn)
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One API call on this thread's keep-alive connection: (status, JSON or text)."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):  # a keep-alive connection the server closed: reconnect once
            conn = self._connection()
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self._drop_connection()
                if attempt == 2:
                    raise
        kind = response.getheader("Content-Type", "")
        return response.status, json.loads(raw) if "json" in kind else raw.decode()

    def post_message(self, to: str, text: str) -> dict[str, Any]:
        """POST /api/v1/messages; raises unless 202."""
        status, body = self.request("POST", "/api/v1/messages", {"to": to, "text": text})
        if status != 202:
            raise RuntimeError(f"POST /api/v1/messages -> {status} {body}")
        result: dict[str, Any] = body
        return result

    def db(self) -> sqlite3.Connection:
        """A read-only connection to the service's database."""
        return sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)

    def stop(self) -> None:
        """Close the API connections, then SIGTERM and wait for a clean exit.

        An open keep-alive connection keeps waitress's loop running until its 10 s stop timeout.
        """
        if self.profiler is not None:
            print(f"profile of the service ({self.profiler.summary}):")
            print(self.profiler.finish(), flush=True)
            self.profiler = None
        for conn in self._connections:
            conn.close()
        self._connections.clear()
        self._local = threading.local()
        if self.proc is not None:
            stop_process(self.proc, timeout=90)


def count(db: sqlite3.Connection, sql: str, *params: Any) -> int:
    """The single integer a COUNT query returns."""
    return int(db.execute(sql, params).fetchone()[0])


class Rig:
    """One simulated modem and a started service using it (a context manager)."""

    def __init__(
        self,
        folder: Path,
        *,
        sim_options: dict[str, Any] | None = None,
        prepare: Callable[[Service], None] | None = None,
    ) -> None:
        """Start the simulator, create a token (and the database), run ``prepare`` on the
        stopped service's files, start the service and wait until it is ready."""
        self.sim = Sim(folder / "sim", "sim0", **(sim_options or {}))
        self.service = Service(folder / "service", [("sim0", str(self.sim.link))])
        try:
            self.service.create_token()
            if prepare is not None:
                prepare(self.service)
            self.ready_seconds = self.service.start()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop the service, then the simulator."""
        self.service.stop()
        self.sim.stop()

    def __enter__(self) -> Rig:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Figure 5: campaign scale.

``--recipients`` subscribed contacts in one list (written with SQL before the service starts:
setup, not measured), then one campaign to that list posted through the REST API to run at
once. Measured: wall time until its run is planned and enqueued (status done), the service's
peak RSS, and while it runs the p95 latency of the dashboard and a conversation page (logged
in as the admin) and of the messages / conversations API. Goals < 30 s, < 150 MB, p95 < 200 ms.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import CLI, ROOT, Rig, proc_status_kb, wait_until
from bench.report import Figure, Goal, parser, percentile, run_figure
from bench.throughput import phone

PASSWORD = "bench-admin-password-1"
STAMP = "2026-01-01T00:00:00+00:00"


def add_audience(db_path: Path, recipients: int) -> None:
    """One list of ``recipients`` subscribed contacts (schema 0002), one transaction."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    with conn:
        list_id = conn.execute(
            "INSERT INTO lists (name, created_at) VALUES ('bench', ?)", (STAMP,)
        ).lastrowid
        conn.executemany(
            "INSERT INTO contacts (id, phone, first_name, subscription, fields, created_at,"
            " updated_at) VALUES (?, ?, 'Pat', 'subscribed', '{}', ?, ?)",
            ((i + 1, phone(i), STAMP, STAMP) for i in range(recipients)),
        )
        conn.executemany(
            "INSERT INTO list_members (list_id, contact_id, added_at) VALUES (?, ?, ?)",
            ((list_id, i + 1, STAMP) for i in range(recipients)),
        )
    conn.close()


class Admin:
    """A logged-in browser session on the admin pages (cookie + CSRF token of the form)."""

    def __init__(self, url: str) -> None:
        self.url = url
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = self.opener.open(url + "/login", timeout=30).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        fields = {"password": PASSWORD, "csrf_token": token.group(1) if token else ""}
        data = urllib.parse.urlencode(fields).encode()
        page = self.opener.open(url + "/login", data=data, timeout=30)
        if "/login" in page.geturl():
            raise RuntimeError("admin login failed")

    def get(self, path: str) -> None:
        """GET a page, reading it all (raises on an HTTP error)."""
        with self.opener.open(self.url + path, timeout=30) as page:
            page.read()


class LatencyProbe:
    """One thread per page or API path, each GETting it in a loop and timing every request
    (separate threads, so one slow path does not hide how the others fare)."""

    def __init__(self, rig: Rig, admin: Admin | None, target: str) -> None:
        quoted = urllib.parse.quote(target)
        self.api_paths = ["/api/v1/messages?limit=50", f"/api/v1/conversations/{quoted}"]
        self.pages = ["/", f"/conversations/{quoted}"] if admin else []
        self.times: dict[str, list[float]] = {p: [] for p in self.api_paths + self.pages}
        self.errors: list[str] = []
        self._rig, self._admin = rig, admin
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(path,), daemon=True) for path in self.times
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, path: str) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                self._get(path)
            except OSError as exc:  # an error page is a failed request, not a latency
                self.errors.append(f"GET {path}: {exc}")
            else:
                self.times[path].append(time.perf_counter() - started)
            self._stop.wait(0.05)

    def _get(self, path: str) -> None:
        if path in self.pages:
            assert self._admin is not None
            self._admin.get(path)
            return
        status, _ = self._rig.service.request("GET", path)
        if status != 200:
            raise OSError(f"HTTP {status}")

    def stop(self) -> None:
        """Stop probing (requests in flight finish first)."""
        self._stop.set()
        for thread in self._threads:
            thread.join()


def set_password(rig: Rig) -> bool:
    """Give the admin page a password; False when this build has no admin pages."""
    result = subprocess.run(
        [*CLI, "set-password", "--password-stdin", "--config", str(rig.service.config)],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return result.returncode == 0


def _run_once(folder: Path, fig: Figure, recipients: int) -> None:
    rig = Rig(folder, prepare=lambda service: add_audience(service.db_path, recipients))
    with rig:
        admin = Admin(rig.service.url) if set_password(rig) else None
        rss_before = proc_status_kb(rig.service.pid, "VmRSS")
        target = phone(recipients // 2)
        rig.service.post_message(target, "Your order has shipped")  # a conversation to show
        probe = LatencyProbe(rig, admin, target)
        body = {
            "name": "Benchmark sale",
            "text": "Winter sale: 20% off everything this week",
            "audience": {"list": "bench"},
            "schedule": {"at": datetime.now(UTC).isoformat(timespec="seconds")},
        }
        started = time.time()
        status, created = rig.service.request("POST", "/api/v1/campaigns", body)
        if status != 201:
            raise SystemExit(f"POST /api/v1/campaigns -> {status} {created}")
        path = f"/api/v1/campaigns/{created['id']}"
        db = rig.service.db()  # watched in the file, so the watching adds no load to the service

        def finished() -> bool:
            statuses = db.execute(
                "SELECT status FROM campaign_runs WHERE campaign_id = ?", (created["id"],)
            ).fetchall()
            return bool(statuses) and statuses[0][0] not in ("planned", "running")

        wait_until(finished, recipients / 100 + 120, "campaign planned", 0.1)
        wall = time.time() - started
        db.close()
        probe.stop()
        body = rig.service.request("GET", path)[1]
        run, progress = body["runs"][0], body["progress"]
        peak = proc_status_kb(rig.service.pid, "VmHWM")
    enqueued = int(run["queued"]) + int(run["skipped"])
    if enqueued != recipients:
        raise SystemExit(f"run planned {enqueued} of {recipients}: {json.dumps(progress)}")
    span = _span(run)
    fig.add("POST -> run planned and enqueued", wall, "s", Goal("<", 30))
    fig.add("run started -> finished (service clock)", span, "s")
    fig.add("enqueue rate", recipients / span if span else 0.0, "rows/s")
    fig.add("peak RSS (VmHWM)", peak / 1024, "MB", Goal("<", 150))
    fig.add("RSS before the campaign", rss_before / 1024, "MB")
    fig.add("queued", int(run["queued"]), "msgs")
    fig.add(
        "failed page/API requests",
        len(probe.errors),
        "",
        Goal("<=", 0),
        "; ".join(probe.errors[:3]),
    )
    for name, samples in probe.times.items():
        if samples:
            kind = "page" if name in probe.pages else "API"
            label = name.split("?")[0].replace(urllib.parse.quote(target), "<number>")
            fig.add(
                f"{kind} {label} p95",
                percentile(samples, 95) * 1000,
                "ms",
                Goal("<", 200),
                f"{len(samples)} requests while planning",
            )


def _span(run: dict[str, object]) -> float:
    start, end = run.get("started_at"), run.get("finished_at")
    if not isinstance(start, str) or not isinstance(end, str):
        return 0.0
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def main(argv: list[str] | None = None) -> Figure:
    """Run figure 5 and print it."""
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--recipients", type=int, default=100_000)
    args = p.parse_args(argv)
    figure = Figure(5, "campaign scale", {"recipients": args.recipients})
    return run_figure(args, figure, lambda folder, fig, i: _run_once(folder, fig, args.recipients))


if __name__ == "__main__":
    main()

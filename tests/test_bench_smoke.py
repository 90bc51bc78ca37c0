"""Smoke runs of every benchmark (bench/, `make bench`) at tiny sizes, so they never rot.

Each runs as `python -m bench.<module>` with real processes, one run, and must write a
well-formed figure: every metric has its runs and min <= median <= max, finite where a number
is expected, a goal verdict where there is a goal. No timing is asserted: benchmarks are not
tests. The figure 9 script runs modembridge alone here (the daemons are `make bench-peers`);
the daemon configs it writes are checked without running them.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

SMOKE: dict[str, list[str]] = {
    "fig1_modem_bound": ["--messages", "4", "--sms-latency", "0.05"],
    "fig2_scaling": ["--modems", "1,2", "--per-modem", "3", "--sms-latency", "0.05"],
    "fig3_ceiling": ["--messages", "40", "--posters", "2"],
    "fig4_mo_reply": ["--messages", "5"],
    "fig5_campaign": ["--recipients", "300"],
    "fig6_footprint": ["--settle", "0.2"],
    "fig7_stress": ["--messages", "40", "--slots", "5", "--latency", "0.002", "--linger", "0.2"],
    "fig8_idle": ["--window", "1", "--settle", "0.2", "--probes", "2"],
    "peers": [
        *("--systems", "modembridge", "--window", "1", "--settle", "0.2"),
        *("--messages", "3", "--mb-messages", "30", "--mb-probes", "3", "--sms-latency", "0.05"),
    ],
}
EXPECTED: dict[str, set[str]] = {  # metrics each figure must report (a subset)
    "fig1_modem_bound": {"efficiency", "wall time"},
    "fig2_scaling": {"ratio vs 1 modem, 2 modems", "throughput, 1 modem(s)"},
    "fig3_ceiling": {"end-to-end rate", "service CPU per message"},
    "fig4_mo_reply": {"replies missing (10 s timeout)"},
    "fig5_campaign": {"POST -> run planned and enqueued", "peak RSS (VmHWM)"},
    "fig6_footprint": {"start to ready", "idle RSS"},
    "fig7_stress": {"lost", "time to drain", "left on the SIM after draining"},
    "fig8_idle": {"AT commands per minute"},
    "peers": {"modembridge: efficiency", "modembridge: idle AT/min"},
}


def run_bench(module: str, args: list[str], out: Path) -> dict[str, Any]:
    """Run one benchmark module; its JSON figure."""
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", "--runs", "1", "--json", str(out), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{module} failed:\n{result.stdout[-3000:]}{result.stderr}"
    assert "== figure" in result.stdout
    figure: dict[str, Any] = json.loads(out.read_text())
    return figure


def check_metric(name: str, metric: dict[str, Any]) -> None:
    """One run recorded, a consistent summary and, with a goal, a verdict."""
    assert len(metric["runs"]) == 1, name
    assert metric["min"] <= metric["median"] <= metric["max"], name
    assert not math.isnan(metric["median"]), name
    if metric["goal"] is not None:
        assert isinstance(metric["met"], bool), name
        assert metric["goal"].split()[0] in (">=", "<=", "<"), name


@pytest.mark.parametrize("module", sorted(SMOKE))
def test_benchmark_runs_and_reports(module: str, tmp_path: Path) -> None:
    figure = run_bench(module, SMOKE[module], tmp_path / "figure.json")
    assert figure["machine"]["nproc"] >= 1
    assert figure["machine"]["python"].count(".") == 2
    metrics = figure["metrics"]
    assert EXPECTED[module] <= set(metrics), sorted(metrics)
    for name, metric in metrics.items():
        check_metric(name, metric)


def test_peer_daemon_configs_point_at_the_link(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from bench.peers_daemons import Gammu, Smstools
    finally:
        sys.path.remove(str(ROOT))
    link = tmp_path / "modem"
    gammu = Gammu(tmp_path / "g", link, "tuned")
    rc = (tmp_path / "g" / "gammurc").read_text()
    assert f"device = {link}" in rc and "service = files" in rc and "LoopSleep = 0" in rc
    assert gammu.command[-1].endswith("gammurc")
    gammu.enqueue("+15550001111", "hello")
    assert [p.name for p in gammu.outbox.iterdir()] == ["OUTA_+15550001111_000000.txt"]
    smstools = Smstools(tmp_path / "s", link, "default")
    conf = (tmp_path / "s" / "smsd.conf").read_text()
    assert f"device = {link}" in conf and "delaytime" not in conf
    smstools.enqueue("+15550001111", "hello")
    (spooled,) = smstools.outbox.iterdir()
    assert spooled.read_text() == "To: 15550001111\n\nhello\n"

"""Figures, goals and the common command line of every benchmark.

A benchmark adds one value per run to each metric of a :class:`Figure`; the figure prints
min / median / max, the goal, median/goal and whether the goal is met, and can be written as
JSON (``--json``) for docs/benchmarks.md and the smoke test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import profile


@dataclass(frozen=True)
class Goal:
    """A target for a metric: ``op`` is ">=", "<=" or "<"."""

    op: str
    value: float

    def met(self, x: float) -> bool:
        """True when ``x`` reaches the goal."""
        if self.op == ">=":
            return x >= self.value
        if self.op == "<=":
            return x <= self.value
        return x < self.value

    def __str__(self) -> str:
        return f"{self.op} {self.value:g}"


@dataclass
class Metric:
    """One measured quantity over several runs."""

    unit: str
    goal: Goal | None = None
    runs: list[float] = field(default_factory=list)
    note: str = ""

    def summary(self) -> dict[str, Any]:
        """min / median / max, the goal and the verdict (on the median) as JSON."""
        values = self.runs
        median = statistics.median(values) if values else None
        out: dict[str, Any] = {
            "unit": self.unit,
            "runs": values,
            "min": min(values) if values else None,
            "median": median,
            "max": max(values) if values else None,
            "goal": str(self.goal) if self.goal else None,
            "note": self.note,
        }
        if self.goal is not None and median is not None:
            out["ratio_to_goal"] = median / self.goal.value if self.goal.value else None
            out["met"] = self.goal.met(median)
            out["met_all_runs"] = all(self.goal.met(v) for v in values)
        return out


class Figure:
    """The metrics of one benchmark (a numbered figure of issue 8)."""

    def __init__(self, number: int, title: str, params: dict[str, Any]) -> None:
        self.number = number
        self.title = title
        self.params = params
        self.metrics: dict[str, Metric] = {}

    def add(
        self, name: str, value: float, unit: str, goal: Goal | None = None, note: str = ""
    ) -> None:
        """Record this run's ``value`` of metric ``name``."""
        metric = self.metrics.setdefault(name, Metric(unit, goal, note=note))
        metric.runs.append(float(value))

    def to_json(self) -> dict[str, Any]:
        """The figure with every metric summarised, plus the machine."""
        return {
            "figure": self.number,
            "title": self.title,
            "params": self.params,
            "machine": machine(),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "metrics": {name: m.summary() for name, m in self.metrics.items()},
        }

    def print(self) -> None:
        """A table: metric, min, median, max, unit, goal, median/goal, verdict."""
        print(f"\n== figure {self.number}: {self.title}")
        print("   " + ", ".join(f"{k}={v}" for k, v in self.params.items()))
        for name, metric in self.metrics.items():
            s = metric.summary()
            line = (
                f"   {name:<40} min {_fmt(s['min'])}  median {_fmt(s['median'])}  "
                f"max {_fmt(s['max'])} {metric.unit}"
            )
            if metric.goal is not None:
                verdict = "MET" if s["met"] else "MISSED"
                line += f"   goal {metric.goal}  median/goal {_fmt(s['ratio_to_goal'])}  {verdict}"
            print(line)
            if metric.note:
                print(f"   {'':<40} ({metric.note})")
        sys.stdout.flush()


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0 or 0.01 <= abs(value) < 100000:
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return f"{value:.3g}"


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100), linear between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def machine() -> dict[str, Any]:
    """nproc, CPU model, RAM, Python and kernel: what the figures were measured on."""
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes: --runs, --json, --workdir, --keep, --profile."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--runs", type=int, default=3, help="repetitions (min/median/max over them)")
    p.add_argument("--json", type=Path, help="also write the figure as JSON to this file")
    p.add_argument("--workdir", type=Path, help="where processes keep their files (temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the work dir afterwards")
    p.add_argument(
        "--profile", action="store_true", help="sample the service with py-spy during each run"
    )
    return p


def run_figure(
    args: argparse.Namespace, figure: Figure, once: Callable[[Path, Figure, int], None]
) -> Figure:
    """Call ``once(folder, figure, run_index)`` ``args.runs`` times, then print and save."""
    if args.profile:
        os.environ[profile.ENV] = "1"  # read by bench.harness.Service
    root = args.workdir or Path(tempfile.mkdtemp(prefix=f"mb-bench{figure.number}-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        for index in range(args.runs):
            print(f"figure {figure.number} run {index + 1}/{args.runs} ...", flush=True)
            once(root / f"run{index + 1}", figure, index)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    figure.print()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figure.to_json(), indent=2) + "\n")
    return figure

"""``python -m bench.markdown build/bench/fig*.json``: the figures as Markdown tables.

Used to write docs/benchmarks.md from a ``make bench`` run: one table per figure with min /
median / max, the goal, median/goal and the verdict.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _num(value: Any) -> str:
    if value is None:
        return "–"
    value = float(value)
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def table(figure: dict[str, Any]) -> str:
    """One figure as a Markdown section."""
    out = [f"### Figure {figure['figure']}: {figure['title']}", ""]
    params = ", ".join(f"{k}={v}" for k, v in figure["params"].items() if k != "profile")
    out += [f"Parameters: {params}; runs: {_runs(figure)}.", ""]
    out += ["| metric | min | median | max | unit | goal | median/goal | verdict |"]
    out += ["|---|---:|---:|---:|---|---|---:|---|"]
    for name, m in figure["metrics"].items():
        verdict = ""
        if m.get("goal"):
            verdict = "met" if m["met"] else "**missed**"
            if m["met"] and not m.get("met_all_runs", True):
                verdict = "met (median; not every run)"
        ratio = _num(m.get("ratio_to_goal")) if m.get("goal") else ""
        cells = [name, _num(m["min"]), _num(m["median"]), _num(m["max"]), m["unit"]]
        cells += [m.get("goal") or "", ratio, verdict]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def _runs(figure: dict[str, Any]) -> int:
    metrics = list(figure["metrics"].values())
    return len(metrics[0]["runs"]) if metrics else 0


def main(argv: list[str] | None = None) -> None:
    """Print every given figure file as Markdown."""
    for name in argv if argv is not None else sys.argv[1:]:
        print(table(json.loads(Path(name).read_text())))


if __name__ == "__main__":
    main()

"""Where the service's time goes: py-spy samples of every thread, summarised.

``--profile`` on any benchmark sets ``BENCH_PROFILE=1``; :class:`bench.harness.Service` then
attaches ``py-spy record`` to the service once it is ready and, when it stops, writes
``profile.txt`` (own time and inclusive time per function) next to the service log and prints
its head. py-spy does not sample threads the OS reports idle, and the summary also drops
samples whose innermost frame is a read or a wait: the shares are of busy samples. A thread
sleeping in SQLite's busy handler (waiting for the write lock) is idle to py-spy, so lock
waits show up as latency in the figures, not here.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

ENV = "BENCH_PROFILE"
_IDLE = ("wait (threading", "select (", "poll (", "_read_events", "read (serial", "sleep")


def wanted() -> bool:
    """True when the benchmark was asked to profile (``--profile``)."""
    return os.environ.get(ENV) == "1"


def pyspy() -> str:
    """The py-spy executable (next to this Python, or on PATH)."""
    local = Path(sys.executable).with_name("py-spy")
    found = str(local) if local.exists() else shutil.which("py-spy")
    if not found:
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    return found


class Profiler:
    """``py-spy record`` on one process until :meth:`finish`."""

    def __init__(self, pid: int, folder: Path) -> None:
        self.raw = folder / "pyspy.raw"
        self.summary = folder / "profile.txt"
        self.proc = subprocess.Popen(
            [
                pyspy(),
                "record",
                "--pid",
                str(pid),
                "--rate",
                "250",
                "--format",
                "raw",
                "--output",
                str(self.raw),
                "--nonblocking",
                "--threads",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def finish(self) -> str:
        """Stop sampling, write and return the summary."""
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)
        text = summarise(self.raw.read_text() if self.raw.exists() else "")
        self.summary.write_text(text)
        return text


def summarise(raw: str, top: int = 15) -> str:
    """Own and inclusive sample shares per function from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = busy = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        n = int(count_text)
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        frames = [f for f in frames if not f.startswith("thread ")]
        total += n
        if not frames or any(marker in frames[-1] for marker in _IDLE):
            continue
        busy += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not busy:
        return "no busy samples\n"
    lines = [f"{busy} busy samples of {total} (all threads; reads and waits left out)"]
    lines.append("own time:")
    lines += [f"  {n / busy:6.1%}  {frame}" for frame, n in own.most_common(top)]
    lines.append("inclusive time:")
    lines += [f"  {n / busy:6.1%}  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines) + "\n"

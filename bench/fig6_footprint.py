"""Figure 6: footprint.

The whole service (one process) with one simulated modem on a pty: seconds from launching
``modembridge run`` to /api/v1/health saying ok (store open, modem initialised, web up), and
its resident memory once idle. Goals < 3 s and < 60 MB.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.harness import Rig, proc_status_kb
from bench.report import Figure, Goal, parser, run_figure


def pss_kb(pid: int) -> int:
    """Proportional set size (shared pages split between their users)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    raise KeyError("Pss")


def main(argv: list[str] | None = None) -> Figure:
    """Run figure 6 and print it."""
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--settle", type=float, default=10.0, help="idle seconds before measuring")
    args = p.parse_args(argv)
    figure = Figure(6, "footprint (one modem)", {"settle_s": args.settle})

    def once(folder: Path, fig: Figure, index: int) -> None:
        with Rig(folder) as rig:
            fig.add("start to ready", rig.ready_seconds, "s", Goal("<", 3.0))
            time.sleep(args.settle)
            pid = rig.service.pid
            fig.add("idle RSS", proc_status_kb(pid, "VmRSS") / 1024, "MB", Goal("<", 60))
            fig.add("idle PSS", pss_kb(pid) / 1024, "MB")
            fig.add("peak RSS so far (VmHWM)", proc_status_kb(pid, "VmHWM") / 1024, "MB")
            fig.add("threads", proc_status_kb(pid, "Threads"), "")

    return run_figure(args, figure, once)


if __name__ == "__main__":
    main()

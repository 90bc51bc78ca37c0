"""Figure 8: idle AT traffic.

A zero-latency simulated modem and the service with its default timings, left alone: AT
commands per minute the bridge sends (health polls, sweeps), counted on the simulator's wire
after a settling period. Then ``--probes`` keyword messages check that the MO -> reply latency
of figure 4 still holds with so little polling (the bridge reacts to +CMTI, it does not poll).
Goal <= 10 commands/min with p99 < 100 ms.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from bench import mo_reply, wire
from bench.fig4_mo_reply import add_latencies
from bench.harness import Rig
from bench.report import Figure, Goal, parser, run_figure


def main(argv: list[str] | None = None) -> Figure:
    """Run figure 8 and print it."""
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--window", type=float, default=300.0, help="idle seconds counted per run")
    p.add_argument("--settle", type=float, default=5.0, help="seconds after ready not counted")
    p.add_argument("--probes", type=int, default=20, help="MO -> reply probes after the window")
    args = p.parse_args(argv)
    figure = Figure(
        8,
        "idle AT traffic (default timings)",
        {"window_s": args.window, "settle_s": args.settle, "probes": args.probes},
    )

    def once(folder: Path, fig: Figure, index: int) -> None:
        with Rig(folder) as rig:
            time.sleep(args.settle)
            rig.sim.events()  # start counting now
            time.sleep(args.window)
            counted = wire.commands(rig.sim.events())
            per_minute = len(counted) * 60 / args.window
            fig.add("AT commands per minute", per_minute, "/min", Goal("<=", 10))
            kinds = Counter(line.split("=")[0].split("?")[0] for _, line in counted)
            fig.add("distinct commands", len(kinds), "", note=_describe(kinds))
            if args.probes:
                add_latencies(fig, mo_reply.measure(rig, args.probes), "probe: ")

    return run_figure(args, figure, once)


def _describe(kinds: Counter[str]) -> str:
    return ", ".join(f"{name} x{n}" for name, n in kinds.most_common())


if __name__ == "__main__":
    main()

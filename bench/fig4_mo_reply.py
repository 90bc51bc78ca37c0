"""Figure 4: MO -> reply latency.

Zero-latency simulated modem; a keyword rule answers PING. Time from the simulator raising
+CMTI to it receiving the AT+CMGS of the reply, from the timestamped wire feed; p50 / p99 over
``--messages`` messages sent one after another. Goal p99 < 100 ms.
"""

from __future__ import annotations

from pathlib import Path

from bench import mo_reply
from bench.harness import Rig
from bench.report import Figure, Goal, parser, percentile, run_figure

GOAL_P99_MS = 100.0


def add_latencies(fig: Figure, result: mo_reply.Latencies, prefix: str = "") -> None:
    """p50 / p99 / max of MO -> reply, and how many replies never came."""
    if not result.total:
        raise SystemExit(f"no reply observed ({result.timeouts} timeouts)")
    ms = [v * 1000 for v in result.total]
    fig.add(f"{prefix}MO -> reply p50", percentile(ms, 50), "ms")
    fig.add(f"{prefix}MO -> reply p99", percentile(ms, 99), "ms", Goal("<", GOAL_P99_MS))
    fig.add(f"{prefix}MO -> reply max", max(ms), "ms")
    fig.add(f"{prefix}replies missing (10 s timeout)", result.timeouts, "", Goal("<=", 0))


def main(argv: list[str] | None = None) -> Figure:
    """Run figure 4 and print it."""
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=500)
    args = p.parse_args(argv)
    figure = Figure(4, "MO -> keyword reply latency", {"messages": args.messages})

    def once(folder: Path, fig: Figure, index: int) -> None:
        with Rig(folder) as rig:
            add_latencies(fig, mo_reply.measure(rig, args.messages))

    return run_figure(args, figure, once)


if __name__ == "__main__":
    main()

"""Figure 1: modem-bound efficiency.

One simulated modem that takes a fixed time per part (``--sms-latency``), pacing off; N
single-part messages posted through the REST API. Efficiency = parts x latency / wall time from
the first POST to the last `sent`: 1.0 means the bridge added no time to the modem's own.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from bench.report import Figure, Goal, parser, percentile, run_figure
from bench.throughput import send_run


def main(argv: list[str] | None = None) -> Figure:
    """Run figure 1 and print it."""
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=300)
    p.add_argument("--sms-latency", type=float, default=0.2, help="seconds per part")
    args = p.parse_args(argv)
    figure = Figure(
        1,
        "modem-bound efficiency (one modem, pacing off)",
        {"messages": args.messages, "sms_latency_s": args.sms_latency},
    )

    def once(folder: Path, fig: Figure, index: int) -> None:
        result = send_run(folder, modems=1, messages=args.messages, sms_latency=args.sms_latency)
        check_complete(result.delivered_to_smsc, args.messages)
        fig.add("efficiency", result.parts * args.sms_latency / result.wall, "", Goal(">=", 0.97))
        fig.add("wall time", result.wall, "s")
        fig.add("modem-bound minimum", result.parts * args.sms_latency, "s")
        fig.add("throughput", result.parts / result.wall, "parts/s")
        fig.add("service CPU per message", result.cpu / result.messages * 1000, "ms")
        gaps = [g * 1000 for g in result.gaps]
        fig.add("bridge time between parts, median", statistics.median(gaps), "ms")
        fig.add("bridge time between parts, p99", percentile(gaps, 99), "ms")
        lost = result.wall - result.parts * args.sms_latency
        fig.add("time lost beside the modem", lost, "s", note="wall - parts x latency")
        fig.add("of which between parts", sum(gaps) / 1000, "s")

    return run_figure(args, figure, once)


def check_complete(accepted: int, expected: int) -> None:
    """Fail the benchmark when the simulated SMSC did not get every message exactly once."""
    if accepted != expected:
        raise SystemExit(f"the SMSC accepted {accepted} distinct messages, expected {expected}")


if __name__ == "__main__":
    main()

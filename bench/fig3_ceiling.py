"""Figure 3: software ceiling.

Zero-latency simulated modem(s), pacing off: how many messages per second the software moves
end to end (first POST accepted -> last `sent` recorded), and the service's CPU time per
message. The service is pinned to one core, the simulators and the load generator to the
other(s). Goal: at least 100 messages/s on that one core.
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.report import Figure, Goal, parser, run_figure
from bench.throughput import send_run


def cpu_split() -> tuple[set[int] | None, set[int] | None]:
    """(service core, everything else) when there are at least two cores."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None, None
    return {cores[0]}, set(cores[1:])


def main(argv: list[str] | None = None) -> Figure:
    """Run figure 3 and print it."""
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--modems", type=int, default=1, help="zero-latency modems")
    p.add_argument("--posters", type=int, default=4, help="concurrent API clients")
    args = p.parse_args(argv)
    service_cpus, other_cpus = cpu_split()
    figure = Figure(
        3,
        "software ceiling (zero-latency modem, service on one core)",
        {
            "messages": args.messages,
            "modems": args.modems,
            "posters": args.posters,
            "service_cpus": sorted(service_cpus or []),
        },
    )

    def once(folder: Path, fig: Figure, index: int) -> None:
        result = send_run(
            folder,
            modems=args.modems,
            messages=args.messages,
            sms_latency=0.0,
            posters=args.posters,
            service_cpus=service_cpus,
            other_cpus=other_cpus,
        )
        if result.delivered_to_smsc != args.messages:
            raise SystemExit(f"SMSC got {result.delivered_to_smsc} of {args.messages} messages")
        fig.add("end-to-end rate", result.messages / result.wall, "msg/s", Goal(">=", 100))
        fig.add("API accept rate", result.messages / result.post_wall, "msg/s")
        fig.add("service CPU per message", result.cpu / result.messages * 1000, "ms")
        fig.add("CPU-bound ceiling (1 / CPU per msg)", result.messages / result.cpu, "msg/s")
        fig.add("service core busy", result.cpu / result.wall, "")

    return run_figure(args, figure, once)


if __name__ == "__main__":
    main()

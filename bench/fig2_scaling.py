"""Figure 2: scaling over modems.

The figure 1 setup with 1, 2, 4 and 8 simulated modems, the same number of messages per modem
(so every run lasts about as long); aggregate throughput of N modems / throughput of one modem
in the same run. Goal >= 0.95 x N.
"""

from __future__ import annotations

from pathlib import Path

from bench.report import Figure, Goal, parser, run_figure
from bench.throughput import send_run


def main(argv: list[str] | None = None) -> Figure:
    """Run figure 2 and print it."""
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--per-modem", type=int, default=100, help="messages per modem")
    p.add_argument("--sms-latency", type=float, default=0.2, help="seconds per part")
    p.add_argument("--modems", default="1,2,4,8", help="comma-separated modem counts")
    args = p.parse_args(argv)
    counts = [int(n) for n in args.modems.split(",")]
    if counts[0] != 1:
        counts.insert(0, 1)  # the baseline every ratio is taken against
    figure = Figure(
        2,
        "scaling over modems (aggregate throughput vs one modem)",
        {"per_modem": args.per_modem, "sms_latency_s": args.sms_latency, "modems": counts},
    )

    def once(folder: Path, fig: Figure, index: int) -> None:
        base = 0.0
        for n in counts:
            result = send_run(
                folder / f"m{n}",
                modems=n,
                messages=args.per_modem * n,
                sms_latency=args.sms_latency,
            )
            if result.delivered_to_smsc != result.messages:
                raise SystemExit(f"{n} modems: SMSC got {result.delivered_to_smsc} messages")
            rate = result.parts / result.wall
            base = base or rate
            fig.add(f"throughput, {n} modem(s)", rate, "parts/s")
            if n > 1:
                fig.add(f"ratio vs 1 modem, {n} modems", rate / base, "x", Goal(">=", 0.95 * n))
            fig.add(f"modems used, {n} modem(s)", result.modems_used, "")
            fig.add(f"efficiency per modem, {n} modem(s)", rate * args.sms_latency / n, "")

    return run_figure(args, figure, once)


if __name__ == "__main__":
    main()

"""``python -m bench`` (``make bench``): figures 1 to 8, each printed and saved as JSON.

Options: ``--runs N`` (default 3), ``--only 1,3,4`` (a subset), ``--out DIR`` (JSON files,
default build/bench), ``--profile`` (py-spy summary of the service in each run). Figure 9 (the
peer daemons) is ``make bench-peers`` / ``python -m bench.peers``.
"""

from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path

FIGURES = {
    1: "bench.fig1_modem_bound",
    2: "bench.fig2_scaling",
    3: "bench.fig3_ceiling",
    4: "bench.fig4_mo_reply",
    5: "bench.fig5_campaign",
    6: "bench.fig6_footprint",
    7: "bench.fig7_stress",
    8: "bench.fig8_idle",
}


def main(argv: list[str] | None = None) -> None:
    """Run the chosen figures one after another."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--only", default=",".join(str(n) for n in FIGURES))
    p.add_argument("--out", type=Path, default=Path("build/bench"))
    p.add_argument("--profile", action="store_true")
    args = p.parse_args(argv)
    started = time.monotonic()
    for number in (int(n) for n in args.only.split(",")):
        module = importlib.import_module(FIGURES[number])
        options = ["--runs", str(args.runs), "--json", str(args.out / f"fig{number}.json")]
        module.main(options + (["--profile"] if args.profile else []))
    print(f"\nall done in {time.monotonic() - started:.0f} s; JSON in {args.out}/")


if __name__ == "__main__":
    main()

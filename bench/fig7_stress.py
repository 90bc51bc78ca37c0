"""Figure 7: inbound stress.

1,000 incoming SMS posted to the simulator as fast as the control API takes them, into a
20-slot SIM whose every AT command takes ``--latency`` s, so they arrive much faster than the
bridge can read them; the simulated network holds what does not fit, as an SMSC does. Checks:
none lost (every text stored once), the SIM never stays full, and the time to drain.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.harness import Rig, count, wait_until
from bench.report import Figure, Goal, parser, run_figure

INBOUND = "SELECT COUNT(*) FROM messages WHERE direction = 'in'"


class Sampler:
    """Samples SIM use, the network backlog and the stored count on a thread."""

    def __init__(self, rig: Rig, interval: float = 0.05) -> None:
        self.samples: list[tuple[float, int, int, int, int]] = []  # t, used, total, backlog, db
        self._rig, self._interval = rig, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        db = self._rig.service.db()
        while not self._stop.is_set():
            state = self._rig.sim.state()
            used, total = state["storage"]["used"], state["storage"]["total"]
            stored = count(db, INBOUND)
            self.samples.append((time.time(), used, total, state["pending_mo"], stored))
            self._stop.wait(self._interval)
        db.close()

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()

    def longest_full(self) -> float:
        """Longest stretch (s) in which every sample saw the SIM full."""
        longest, since = 0.0, None
        for moment, used, total, _, _ in self.samples:
            if used >= total:
                since = moment if since is None else since
                longest = max(longest, moment - since)
            else:
                since = None
        return longest

    def longest_stall(self) -> float:
        """Longest stretch (s) with the SIM full and nothing new stored: the bridge not reading."""
        longest, since, last_stored = 0.0, None, -1
        for moment, used, total, _, stored in self.samples:
            if used >= total and stored == last_stored:
                since = since if since is not None else moment
                longest = max(longest, moment - since)
            else:
                since = None
            last_stored = stored
        return longest


def main(argv: list[str] | None = None) -> Figure:
    """Run figure 7 and print it."""
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=1000)
    p.add_argument("--slots", type=int, default=20)
    p.add_argument("--latency", type=float, default=0.005, help="seconds per AT command")
    p.add_argument("--posters", type=int, default=8)
    p.add_argument("--linger", type=float, default=1.0, help="seconds watched after draining")
    args = p.parse_args(argv)
    figure = Figure(
        7,
        "inbound stress (SIM smaller than the burst)",
        {"messages": args.messages, "slots": args.slots, "command_latency_s": args.latency},
    )

    def once(folder: Path, fig: Figure, index: int) -> None:
        options = {"slots": args.slots, "latency": args.latency}
        with Rig(folder, sim_options=options) as rig:
            sampler = Sampler(rig)
            started = time.time()

            def post(i: int) -> None:
                rig.sim.mo(f"+1555{i:07d}", f"Stress message {i}")

            with ThreadPoolExecutor(args.posters) as pool:
                list(pool.map(post, range(args.messages)))
            arrived = time.time() - started
            db = rig.service.db()
            limit = args.messages * 0.2 + 60
            wait_until(lambda: count(db, INBOUND) >= args.messages, limit, "all stored", 0.05)
            drained = time.time() - started
            time.sleep(args.linger)  # anything stored twice or left on the SIM shows up by now
            sampler.stop()
            left = rig.sim.state()["storage"]["used"]
            texts = count(db, "SELECT COUNT(DISTINCT text) FROM messages WHERE direction = 'in'")
            stored = count(db, INBOUND)
            db.close()
        fig.add("lost", args.messages - texts, "SMS", Goal("<=", 0))
        fig.add("stored twice", stored - texts, "SMS", Goal("<=", 0))
        fig.add("arrival rate", args.messages / arrived, "SMS/s")
        fig.add("time to drain", drained, "s")
        fig.add("read rate", args.messages / drained, "SMS/s")
        fig.add("left on the SIM after draining", left, "SMS", Goal("<=", 0))
        fig.add(
            "SIM full with nothing read, longest",
            sampler.longest_stall(),
            "s",
            Goal("<", 1.0),
            "the bridge never leaves a full SIM unread",
        )
        fig.add("SIM full, longest stretch", sampler.longest_full(), "s")
        fig.add("SIM used, max", max(s[1] for s in sampler.samples), "slots")
        fig.add("network backlog, max", max(s[3] for s in sampler.samples), "SMS")

    return run_figure(args, figure, once)


if __name__ == "__main__":
    main()

"""Figure 9: side by side with gammu-smsd and smstools3 on the same simulated modem.

For each system, figures 1 (modem-bound efficiency, ``--sms-latency`` per part), 3 (messages/s
with a zero-latency modem), 4 (MO -> reply: +CMTI, or the SMS landing on the SIM when a daemon
turned +CMTI off, -> AT+CMGS of the reply) and 8 (idle AT commands per minute), all timed on
the simulator's wire, then modembridge's advantage over each: its rate / theirs for 1 and 3,
their time or traffic / modembridge's for 4 and 8 (above 1 = modembridge better). The daemons
run concurrently with each other (they mostly sleep), modembridge alone after them.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench import mo_reply, wire
from bench.harness import Rig, Sim, wait_until
from bench.peers_daemons import DAEMONS, Daemon
from bench.report import Figure, parser, percentile, run_figure
from bench.throughput import measure_sends, phone, send_run

SYSTEMS = ("modembridge", "gammu-default", "gammu-tuned", "smstools-default", "smstools-tuned")
Result = dict[str, float]


def _settle_and_count(sim: Sim, settle: float, window: float) -> float:
    time.sleep(settle)
    sim.events()
    time.sleep(window)
    return len(wire.commands(sim.events())) * 60 / window


def _probe(sim: Sim, index: int, timeout: float) -> float | None:
    """One MO -> reply for a daemon; None when no reply came in time."""
    sim.events()
    before = time.time()
    sim.mo(phone(900000 + index), f"PING {index}")
    seen: list[tuple[float, str, str]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen += sim.events()
        sends = [t for t in wire.command_times(seen, "AT+CMGS=") if t >= before]
        if sends:
            cmti = [t for t in wire.modem_lines(seen, "+CMTI:") if t >= before]
            return sends[0] - (cmti[0] if cmti else before)
        time.sleep(0.01)
    return None


def _daemon_rate(sim: Sim, daemon: Daemon, messages: int, timeout: float) -> float:
    """Seconds from queueing ``messages`` files to the modem's last +CMGS answer."""
    base = len(sim.sent())
    sim.events()
    started = time.time()
    for i in range(messages):
        daemon.enqueue(phone(i), f"Benchmark message number {i}")
    wait_until(lambda: len(sim.sent()) >= base + messages, timeout, "daemon sends", 0.2)
    return wire.modem_lines(sim.events(), "+CMGS:")[-1] - started


def run_daemon(folder: Path, system: str, args: argparse.Namespace) -> Result:
    """Figures 8, 4, 3 on a zero-latency modem, then figure 1 on a slow one."""
    kind, variant = system.split("-")
    cls = DAEMONS[kind]
    out: Result = {}
    sim = Sim(folder / "fast", "sim0")
    daemon = cls(folder / "fast" / kind, sim.link, variant)
    try:
        daemon.start()
        out["idle AT/min"] = _settle_and_count(sim, args.settle, args.window)
        probes = [_probe(sim, i, args.probe_timeout) for i in range(args.probes)]
        answered = [p for p in probes if p is not None]
        out["MO->reply p50 s"] = statistics.median(answered) if answered else float("inf")
        out["MO->reply max s"] = max(answered) if answered else float("inf")
        out["replies missing"] = len(probes) - len(answered)
        wall = _daemon_rate(sim, daemon, args.messages, args.messages * 10 + 120)
        out["msg/s (zero latency)"] = args.messages / wall
    finally:
        daemon.stop()
        sim.stop()
    sim = Sim(folder / "slow", "sim0", sms_latency=args.sms_latency)
    daemon = cls(folder / "slow" / kind, sim.link, variant)
    try:
        daemon.start()
        time.sleep(args.settle)
        wall = _daemon_rate(sim, daemon, args.messages, args.messages * 10 + 120)
        out["efficiency"] = args.messages * args.sms_latency / wall
    finally:
        daemon.stop()
        sim.stop()
    return out


def run_modembridge(folder: Path, args: argparse.Namespace) -> Result:
    """The same four figures for modembridge (its own API, same simulator, same counts)."""
    out: Result = {}
    with Rig(folder / "fast") as rig:
        out["idle AT/min"] = _settle_and_count(rig.sim, args.settle, args.window)
        result = mo_reply.measure(rig, args.mb_probes, first_sender=900000)
        out["MO->reply p50 s"] = percentile(result.total, 50)
        out["MO->reply max s"] = max(result.total)
        out["replies missing"] = result.timeouts
        fast = measure_sends(rig.service, [rig.sim], args.mb_messages, 0.0, posters=4)
    out["msg/s (zero latency)"] = fast.messages / fast.wall
    slow = send_run(folder / "slow", modems=1, messages=args.messages, sms_latency=args.sms_latency)
    out["efficiency"] = slow.parts * args.sms_latency / slow.wall
    return out


HIGHER_BETTER = ("efficiency", "msg/s (zero latency)")
LOWER_BETTER = ("MO->reply p50 s", "idle AT/min")


def record(fig: Figure, results: dict[str, Result], window: float) -> None:
    """Every system's figures, and modembridge's advantage over each daemon."""
    for system, values in results.items():
        for name, value in values.items():
            fig.add(f"{system}: {name}", value, "")
    mb = results.get("modembridge")
    if mb is None:
        return
    # modembridge may send nothing in a short window: count it as one command per window
    floor = {"MO->reply p50 s": 1e-6, "idle AT/min": 60 / window}
    for system, values in results.items():
        if system == "modembridge":
            continue
        for name in HIGHER_BETTER:
            fig.add(f"advantage vs {system}: {name}", mb[name] / values[name], "x")
        for name in LOWER_BETTER:
            fig.add(
                f"advantage vs {system}: {name}", values[name] / max(mb[name], floor[name]), "x"
            )


def choose(spec: str) -> list[str]:
    """``all``, ``available`` (installed daemons only) or a comma-separated list of SYSTEMS."""
    if spec in ("all", "available"):
        chosen = list(SYSTEMS)
    else:
        chosen = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SYSTEMS]
    if unknown:
        raise SystemExit(f"unknown system(s) {unknown}; choose from {', '.join(SYSTEMS)}")
    if spec == "available":
        chosen = [s for s in chosen if s == "modembridge" or DAEMONS[s.split("-")[0]].available()]
    missing = [s for s in chosen if s != "modembridge" and not DAEMONS[s.split("-")[0]].available()]
    if missing:
        raise SystemExit(f"not installed: {missing} (make bench-peers installs them)")
    return chosen


def main(argv: list[str] | None = None) -> Figure:
    """Run figure 9 and print it."""
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--systems", default="all", help="all, available, or a list of " + str(SYSTEMS))
    p.add_argument("--messages", type=int, default=30, help="messages per throughput run")
    p.add_argument("--mb-messages", type=int, default=1000, help="modembridge, zero latency")
    p.add_argument("--sms-latency", type=float, default=0.2)
    p.add_argument("--probes", type=int, default=5, help="MO -> reply probes per daemon")
    p.add_argument("--mb-probes", type=int, default=100, help="MO -> reply probes, modembridge")
    p.add_argument("--probe-timeout", type=float, default=90.0)
    p.add_argument("--window", type=float, default=120.0, help="idle seconds counted")
    p.add_argument("--settle", type=float, default=10.0, help="seconds after start not counted")
    args = p.parse_args(argv)
    systems = choose(args.systems)
    params: dict[str, Any] = {k: v for k, v in vars(args).items() if k not in ("json", "workdir")}
    params["systems"] = systems
    figure = Figure(9, "side by side with gammu-smsd and smstools3", params)

    def once(folder: Path, fig: Figure, index: int) -> None:
        daemons = [s for s in systems if s != "modembridge"]
        with ThreadPoolExecutor(max(len(daemons), 1)) as pool:
            futures = {s: pool.submit(run_daemon, folder / s, s, args) for s in daemons}
            results = {s: f.result() for s, f in futures.items()}
        if "modembridge" in systems:
            results = {"modembridge": run_modembridge(folder / "modembridge", args), **results}
        record(fig, results, args.window)

    return run_figure(args, figure, once)


if __name__ == "__main__":
    main()

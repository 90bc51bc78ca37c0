"""A simulated modem process for benchmarks: the product simulator plus a timestamped wire feed.

``python -m bench.simproc --link PATH --control HOST:PORT --events HOST:PORT [...]`` runs the
same SimModem, pty server and control API as ``modembridge simulator``, and records every chunk
on the wire with its wall-clock time (``time.time()``, comparable across processes on one
machine). The product's ``GET /log`` keeps only the last 1000 chunks without times; benchmarks
need all of them, timed, so the recording lives here, in a subclass that only taps the public
``feed``/``set_output`` surface.

Events server: ``GET /events?since=N`` -> ``{"next": M, "events": [[t, ">"|"<", text], ...]}``
(``>`` host to modem, ``<`` modem to host; bytes as latin-1 text).
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from modembridge.simulator.control import ControlServer, parse_listen
from modembridge.simulator.engine import SimModem
from modembridge.simulator.main import validate_config
from modembridge.simulator.operations import SimOperations
from modembridge.simulator.pty_server import PtyServer
from modembridge.simulator.state import SimConfig

Event = tuple[float, str, str]
Sink = Callable[[bytes], None]


class TimedSimModem(SimModem):
    """A SimModem whose wire traffic is also appended, timestamped, to :attr:`events`."""

    def __init__(self, config: SimConfig) -> None:
        self.events: list[Event] = []
        self._events_lock = threading.Lock()
        self._taps: dict[Sink, Sink] = {}
        super().__init__(config)

    def _record(self, direction: str, data: bytes) -> None:
        with self._events_lock:
            self.events.append((time.time(), direction, data.decode("latin-1")))

    def feed(self, data: bytes) -> None:
        """Record host bytes, then process them as usual."""
        if data:
            self._record(">", data)
        super().feed(data)

    def set_output(self, sink: Sink | None) -> None:
        """Attach ``sink`` behind a tap that records every byte the modem writes."""
        if sink is None:
            super().set_output(None)
            return

        def tapped(data: bytes) -> None:
            self._record("<", data)
            sink(data)

        self._taps[sink] = tapped
        super().set_output(tapped)

    def clear_output(self, sink: Sink) -> None:
        """Detach ``sink`` (through its tap)."""
        tapped = self._taps.pop(sink, None)
        if tapped is not None:
            super().clear_output(tapped)

    def events_since(self, start: int) -> tuple[int, list[Event]]:
        """Events from index ``start`` on, and the index after the last one."""
        with self._events_lock:
            chunk = self.events[start:]
            return start + len(chunk), chunk


def _events_server(modem: TimedSimModem, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            since = int(query.get("since", ["0"])[0])
            if url.path != "/events":
                self.send_error(404)
                return
            next_index, events = modem.events_since(since)
            body = json.dumps({"next": next_index, "events": events}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="bench-events",
        daemon=True,
    ).start()
    return server


def main(argv: list[str] | None = None) -> None:
    """Run one timed simulated modem until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--link", required=True)
    parser.add_argument("--control", required=True)
    parser.add_argument("--events", required=True)
    parser.add_argument("--profile", default="generic")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--sms-latency", type=float, default=0.0)
    parser.add_argument("--slots", type=int, default=20)
    args = parser.parse_args(argv)
    config = SimConfig(
        profile=args.profile, latency=args.latency, sms_latency=args.sms_latency, slots=args.slots
    )
    validate_config(config)
    modem = TimedSimModem(config)
    pty = PtyServer(modem, args.link)
    control = ControlServer(SimOperations(modem), *parse_listen(args.control))
    events = _events_server(modem, *parse_listen(args.events))
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    modem.start()
    pty.start()
    control.start()
    try:
        while not done.wait(0.1):
            pass
    finally:
        events.shutdown()
        control.stop()
        pty.stop()
        modem.stop()


if __name__ == "__main__":
    main()

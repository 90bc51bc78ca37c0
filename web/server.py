"""waitress in a background thread, with a clean stop (for the service and the tests)."""

from __future__ import annotations

import threading
from typing import Any

from waitress.server import create_server


class WebServer:
    """Serve a WSGI app on host:port until `stop` (port 0 picks a free port)."""

    def __init__(self, app: Any, host: str, port: int, *, threads: int = 6) -> None:
        """Bind the listening socket now, so a busy port fails at start, not later."""
        self._server = create_server(app, host=host, port=port, threads=threads, ident="")
        self._thread = threading.Thread(target=self._server.run, name="web", daemon=True)

    @property
    def port(self) -> int:
        """The port actually bound."""
        return int(self._server.effective_port)

    def is_alive(self) -> bool:
        """True while the serving thread runs."""
        return self._thread.is_alive()

    def start(self) -> None:
        """Start serving in the background."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting, finish the requests in progress, end the thread.

        Idle keep-alive connections (an open admin tab) would keep waitress's loop running
        until the join times out, so they are closed once the requests in progress are done.
        """
        self._server.close()
        self._server.task_dispatcher.shutdown(timeout=timeout)
        for channel in list(self._server._map.values()):
            channel.close()
        self._thread.join(timeout)

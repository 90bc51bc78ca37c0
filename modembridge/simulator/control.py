"""HTTP JSON control API of the simulated modem (INTERFACES.md), on the operations layer.

POST /mo     {"from", "text", "parts_out_of_order"?}
GET  /sent
POST /dlr    {"reference", "status": "delivered|failed"}
POST /fault  {"kind": "unplug|hang|garbage|cms_error|no_network|sim_full|reboot|clear|urc", ...}
GET  /state
POST /reset, GET /log, GET /storage?memory=SM   (extras)
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from modembridge.simulator.operations import OperationError, SimOperations

__all__ = ["ControlServer", "parse_listen"]

logger = logging.getLogger(__name__)

_MAX_BODY = 64 * 1024


def parse_listen(value: str) -> tuple[str, int]:
    """``"127.0.0.1:8765"`` / ``":8765"`` / ``"8765"`` -> (host, port).

    Raises:
        ValueError: when the port is not a number in 0..65535.
    """
    host, _, port = value.rpartition(":")
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"bad control address {value!r}: expected HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


def _body_object(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OperationError("bad_json", f"request body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise OperationError("bad_json", "request body must be a JSON object")
    return body


Body = dict[str, Any]
Query = dict[str, str]


def _mo(ops: SimOperations, body: Body, query: Query) -> Any:
    return ops.mo(body.get("from"), body.get("text"), body.get("parts_out_of_order", False))


def _fault(ops: SimOperations, body: Body, query: Query) -> Any:
    return ops.fault(body.get("kind"), {k: v for k, v in body.items() if k != "kind"})


_ROUTES: dict[str, tuple[str, Callable[[SimOperations, Body, Query], Any]]] = {
    "/mo": ("POST", _mo),
    "/sent": ("GET", lambda ops, body, query: ops.sent()),
    "/dlr": ("POST", lambda ops, body, query: ops.dlr(body.get("reference"), body.get("status"))),
    "/fault": ("POST", _fault),
    "/state": ("GET", lambda ops, body, query: ops.state()),
    "/reset": ("POST", lambda ops, body, query: ops.reset()),
    "/log": ("GET", lambda ops, body, query: ops.log()),
    "/storage": ("GET", lambda ops, body, query: ops.storage(query.get("memory", "SM"))),
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        try:
            raw = self._read_body()
            if url.path not in _ROUTES:
                raise OperationError("not_found", f"no such endpoint: {url.path}", 404)
            allowed, action = _ROUTES[url.path]
            if method != allowed:
                raise OperationError("method_not_allowed", f"use {allowed} {url.path}", 405)
            body = _body_object(raw) if method == "POST" else {}
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            self._send(200, action(self.server.operations, body, query))
        except OperationError as exc:
            self._send(exc.status, exc.to_json())
        except Exception as exc:  # never a stack trace on the wire
            logger.exception("simulator control request failed")
            self._send(500, {"error": {"code": "internal", "message": str(exc)}})

    def _read_body(self) -> bytes:
        length_text = self.headers.get("Content-Length", "0") or "0"
        if not length_text.isdigit():
            raise OperationError("bad_request", "bad Content-Length")
        length = int(length_text)
        if length > _MAX_BODY:
            raise OperationError("too_large", "request body too large", 413)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("control %s - %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    operations: SimOperations


class ControlServer:
    """The control API on its own thread; ``port`` 0 picks a free port (see :attr:`url`)."""

    def __init__(self, operations: SimOperations, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.operations = operations
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The (host, port) actually bound."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        """``http://host:port`` of the API."""
        host, port = self.address
        return f"http://{host}:{port}"

    def start(self) -> None:
        """Serve on a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="sim-control"
        )
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

"""Webhook actions against a real local HTTP server: signature, retries, durability."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from keywords_helpers import World
from modembridge.rules.webhooks import WebhookWorker
from procs import free_port, wait_until

ADA = "+15550001111"


class Receiver:
    """An HTTP server that records POSTs and answers with scripted statuses."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def hook_rule(world: World, url: str) -> str:
    rule = world.services.rules.create(
        {
            "keyword": "ORDER",
            "match": "first_word",
            "reply": "Thanks, we are on it",
            "actions": [{"type": "webhook", "url": url, "secret": "a-shared-secret"}],
        }
    )
    return str(rule["actions"][0]["secret"])


def deliveries(world: World) -> list[tuple[str, int, int | None]]:
    rows = world.rows("SELECT status, attempts, last_status FROM webhook_deliveries ORDER BY id")
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_signed_body_is_delivered(world: World, receiver: Receiver) -> None:
    secret = hook_rule(world, receiver.url)
    message_id = world.receive(ADA, "Order 42 is late")
    world.handler.handle(message_id)
    assert world.webhook_notes == 1
    worker = WebhookWorker(world.db, world.clock)
    assert worker.run_once(world.now) == 1
    ((headers, body),) = receiver.requests
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Modembridge-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["message"] == {"id": message_id, "from": ADA, "text": "Order 42 is late"}
    assert payload["rule"]["keyword"] == "ORDER" and payload["keyword"] == "ORDER"
    assert deliveries(world) == [("delivered", 1, 200)]
    assert worker.run_once(world.now) == 0  # delivered once only


def test_failures_are_retried_with_backoff_then_given_up(world: World, receiver: Receiver) -> None:
    hook_rule(world, receiver.url)
    world.mo(ADA, "order 1")
    delays = (timedelta(seconds=10), timedelta(seconds=60))
    worker = WebhookWorker(world.db, world.clock, delays=delays)
    receiver.statuses = [500, 503, 500]
    assert worker.run_once(world.now) == 0
    assert deliveries(world) == [("pending", 1, 500)]
    world.advance(9)
    assert worker.run_once(world.now) == 0 and len(receiver.requests) == 1  # not due yet
    world.advance(1)
    worker.run_once(world.now)
    world.advance(60)
    worker.run_once(world.now)
    assert deliveries(world) == [("failed", 3, 500)]
    world.advance(3600)
    assert worker.run_once(world.now) == 0 and len(receiver.requests) == 3


def test_retry_succeeds_and_permanent_errors_stop_at_once(world: World, receiver: Receiver) -> None:
    hook_rule(world, receiver.url)
    world.mo(ADA, "order 1")
    world.mo(ADA, "order 2")
    receiver.statuses = [502, 404]
    worker = WebhookWorker(world.db, world.clock)
    worker.run_once(world.now)
    world.advance(10)
    worker.run_once(world.now)
    assert deliveries(world) == [("delivered", 2, 200), ("failed", 1, 404)]


def test_unreachable_receiver_counts_attempts(world: World) -> None:
    hook_rule(world, f"http://127.0.0.1:{free_port()}/nobody")
    world.mo(ADA, "order 7")
    worker = WebhookWorker(world.db, world.clock, delays=(timedelta(seconds=1),), timeout=2)
    worker.run_once(world.now)
    world.advance(1)
    worker.run_once(world.now)
    ((status, attempts, last_status),) = deliveries(world)
    assert (status, attempts, last_status) == ("failed", 2, None)
    (row,) = world.rows("SELECT last_error FROM webhook_deliveries")
    assert row["last_error"]


def test_worker_thread_delivers_when_notified(world: World, receiver: Receiver) -> None:
    hook_rule(world, receiver.url)
    worker = WebhookWorker(world.db, world.clock)
    worker.start()
    try:
        world.mo(ADA, "order 9")
        worker.notify()
        wait_until(lambda: receiver.requests, 10, "the webhook call")
        wait_until(lambda: deliveries(world) == [("delivered", 1, 200)], 10, "delivered")
    finally:
        worker.stop()

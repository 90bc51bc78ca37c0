"""How the bridge runs keywords: the inbound listener and the webhook delivery thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from modembridge.config import Config
from modembridge.pipeline.inbound import StoreSink
from modembridge.rules.handler import InboundHandler, policy_for
from modembridge.rules.webhooks import WebhookWorker
from modembridge.store.db import Database

log = logging.getLogger(__name__)

# Inbound messages this recent that were committed but never handled (the process stopped
# in between) are handled at start; older ones are left alone.
CATCH_UP = timedelta(hours=1)


@dataclass(frozen=True)
class Keywords:
    """The running keyword machinery."""

    handler: InboundHandler
    webhooks: WebhookWorker

    def stop(self) -> None:
        """Stop the webhook thread (after the request in flight)."""
        self.webhooks.stop()


def start_keywords(
    config: Config,
    db: Database,
    sink: StoreSink,
    *,
    wake: Callable[[], None],
    clock: Callable[[], datetime],
    max_parts: int = 10,
) -> Keywords:
    """Handle missed messages, listen to new ones and start webhook delivery.

    Call before the modem supervisors start, so no message slips between catch-up and
    listening (handling twice is harmless anyway: each message is handled once).
    """
    worker = WebhookWorker(db, clock)
    handler = InboundHandler(
        db,
        policy_for(config.compliance),
        max_parts=max_parts,
        wake=wake,
        webhooks_queued=worker.notify,
        clock=clock,
    )
    caught = handler.catch_up(CATCH_UP)
    if caught:
        log.info("keywords: handled %d inbound message(s) missed while stopped", caught)
    sink.add_listener(handler.on_message)
    worker.start()
    return Keywords(handler, worker)

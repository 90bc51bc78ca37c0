"""The store as the supervisor's inbound sink: commit every SMS before the SIM copy goes.

Implements `modembridge.modem.api.InboundSink`. Complete inbound messages are announced to
listeners (keyword rules, the web's live views) after their commit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from modembridge.modem.api import InboundSms
from modembridge.numbers import InvalidNumber, normalize
from modembridge.sms import Deliver, StatusReport
from modembridge.store.delivery import DeliveryRepository
from modembridge.store.inbound import InboundRepository

log = logging.getLogger(__name__)

MessageListener = Callable[[str, int], None]  # (modem name, message id)


class StoreSink:
    """Persists inbound SMS and status reports; dedupes re-reads after a crash."""

    def __init__(
        self,
        inbound: InboundRepository,
        delivery: DeliveryRepository,
        default_region: str,
    ) -> None:
        """Bind to the repositories; `default_region` normalises national senders."""
        self._inbound = inbound
        self._delivery = delivery
        self._region = default_region
        self._listeners: list[MessageListener] = []
        self._lock = threading.Lock()

    def add_listener(self, listener: MessageListener) -> None:
        """Call `listener(modem, message_id)` for every complete inbound message."""
        with self._lock:
            self._listeners.append(listener)

    def persist(self, modem_name: str, message: InboundSms) -> None:
        """Commit one SMS or status report (raises on a store error: the SIM keeps it)."""
        decoded = message.decoded
        if isinstance(decoded, StatusReport):
            self._delivery.apply(modem_name, decoded, message.received_at)
            return
        if isinstance(decoded, Deliver):
            phone = self._phone_of(decoded)
            result = self._inbound.persist_deliver(
                modem_name, decoded, message.received_at, phone=phone
            )
        else:
            error = message.error or "undecodable PDU"
            result = self._inbound.persist_undecodable(
                modem_name, message.pdu, error, message.received_at
            )
        if result.message_id is not None and not result.duplicate:
            self._announce(modem_name, result.message_id)

    def _phone_of(self, sms: Deliver) -> str:
        if sms.sender_type == "alphanumeric":
            return sms.sender
        try:
            return normalize(sms.sender, self._region)
        except InvalidNumber:
            return sms.sender  # short codes and odd operator senders stay as they came

    def _announce(self, modem_name: str, message_id: int) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(modem_name, message_id)
            except Exception:  # a listener bug must not undo or block the commit
                log.exception("inbound listener failed for message %d", message_id)

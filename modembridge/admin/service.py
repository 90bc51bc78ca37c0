"""`Services.admin`: what the admin page needs beyond the REST API's operations."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from modembridge.admin.auth import AdminAuth
from modembridge.admin.imports import ImportJobs
from modembridge.admin.inbox import Inbox
from modembridge.admin.simulator import SimulatorPanel
from modembridge.admin.stats import DashboardStats, ModemSnapshot
from modembridge.clock import to_iso
from modembridge.store.db import Database
from modembridge.validation import validate_outbound

USED_KEYS = 1000


@dataclass(frozen=True)
class MessagePreview:
    """How one message to one number will go out."""

    phone: str
    text: str
    kind: str
    encoding: str
    parts: int
    units_left: int
    ucs2_forcing_chars: tuple[str, ...]
    send_at: datetime | None


@dataclass(frozen=True)
class TokenInfo:
    """An API token as the settings page lists it (never the token itself)."""

    id: int
    name: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


class AdminServices:
    """Login, dashboard, inbox, simulator panel, compose preview and the token list."""

    def __init__(
        self,
        db: Database,
        statuses: Callable[[], Sequence[ModemSnapshot]],
        *,
        default_region: str,
        max_parts: int,
        daily_caps: Mapping[str, int],
        modem_ports: Mapping[str, str],
        clock: Callable[[], datetime],
    ) -> None:
        """Bind every part to the same database and clock."""
        self._db = db
        self._clock = clock
        self._region = default_region
        self._max_parts = max_parts
        self.auth = AdminAuth(db, clock=clock)
        self.dashboard = DashboardStats(
            db, statuses, daily_caps=daily_caps, modem_ports=modem_ports, clock=clock
        )
        self.inbox = Inbox(db, clock)
        self.simulator = SimulatorPanel(modem_ports, default_region=default_region)
        self.imports = ImportJobs()
        self._used_keys: OrderedDict[str, None] = OrderedDict()
        self._keys_lock = threading.Lock()

    def preview(
        self, to: str, text: str, kind: str, send_at: datetime | None = None
    ) -> MessagePreview:
        """Validate a message to one number exactly as sending would, without queueing it.

        Raises:
            ValidationError: the number, text, kind or length is not acceptable.
        """
        now = self._clock()
        request = validate_outbound(
            to=to,
            text=text,
            kind=kind,
            default_region=self._region,
            max_parts=self._max_parts,
            now=now,
        )
        return MessagePreview(
            phone=request.phone,
            text=request.text,
            kind=request.kind,
            encoding=request.plan.encoding.value,
            parts=request.plan.part_count,
            units_left=request.plan.units_left,
            ucs2_forcing_chars=request.plan.ucs2_forcing_chars,
            send_at=send_at,
        )

    def first_use(self, key: str) -> bool:
        """True the first time `key` (a form's one-time key) is seen; False on a resubmit.

        In memory and short (the last 1000 keys): it stops double clicks and reloads of a
        form that creates something without an idempotency key of its own.
        """
        with self._keys_lock:
            if key in self._used_keys:
                return False
            self._used_keys[key] = None
            while len(self._used_keys) > USED_KEYS:
                self._used_keys.popitem(last=False)
        return True

    def tokens(self) -> list[TokenInfo]:
        """Every API token, newest first."""
        rows = self._db.connection().execute(
            "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY id DESC"
        )
        return [TokenInfo(*row) for row in rows]

    def revoke_token(self, token_id: int, now: datetime) -> bool:
        """Revoke one token by id; False when it does not exist or was already revoked."""
        with self._db.transaction() as conn:
            cur = conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (to_iso(now), token_id),
            )
        return cur.rowcount == 1

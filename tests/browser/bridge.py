"""A real bridge for browser tests: `Bridge` in this process on a `sim://` modem.

The modem is the in-process simulator (so the test reaches it through the registry, as the
admin page's simulator panel does), the store a temporary SQLite file, the web server
waitress on a free port. Nothing is mocked.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from modembridge.app import Bridge, Tuning
from modembridge.config import (
    ComplianceSettings,
    Config,
    ModemSettings,
    StorageSettings,
    WebSettings,
)
from modembridge.services import Services
from modembridge.simulator import registry
from modembridge.simulator.operations import SimOperations
from procs import wait_until

PASSWORD = "correct horse battery"


class BridgeUnderTest:
    """Start a bridge; `.url`, `.services`, `.sim` (the simulated modem's operations)."""

    def __init__(self, folder: Path, *, parts_per_day: int = 400) -> None:
        """Configure (nothing runs until `start`)."""
        self.sim_name = f"browser-{uuid.uuid4().hex[:8]}"
        folder.mkdir(parents=True, exist_ok=True)
        self.config = Config(
            modems=(
                ModemSettings(
                    name="main",
                    port=f"sim://?name={self.sim_name}",
                    parts_per_minute=100_000,
                    parts_per_day=parts_per_day,
                ),
            ),
            web=WebSettings(host="127.0.0.1", port=0, secret_key_file=folder / "secret_key"),
            storage=StorageSettings(path=folder / "bridge.db"),
            # Marketing may go at any hour, so campaign tests do not depend on the clock.
            compliance=ComplianceSettings(send_window_start_minute=0, send_window_end_minute=1440),
        )
        self.bridge = Bridge(self.config, tuning=Tuning(health_interval=1.0, sweep_interval=5.0))

    def start(self) -> BridgeUnderTest:
        """Start and wait until the simulated modem is ready."""
        self.bridge.start()
        wait_until(lambda: self.services.health()["status"] == "ok", 30, "modem ready")
        return self

    def stop(self) -> None:
        """Stop the bridge and forget its simulator."""
        self.bridge.stop()
        registry.remove(self.sim_name)

    @property
    def url(self) -> str:
        """Base URL of the web server."""
        assert self.bridge.web is not None
        return f"http://127.0.0.1:{self.bridge.web.port}"

    @property
    def services(self) -> Services:
        """The running bridge's services."""
        assert self.bridge.services is not None
        return self.bridge.services

    @property
    def sim(self) -> SimOperations:
        """The simulated modem's world-side operations (send an MO, see what was sent)."""
        operations = registry.get(self.sim_name)
        assert operations is not None
        return operations

    def sent_to(self, phone: str) -> list[dict[str, Any]]:
        """What the simulated network received for `phone`."""
        return [m for m in self.sim.sent() if m["to"] == phone]

    def set_password(self, password: str = PASSWORD) -> None:
        """Set the admin password directly (as `modembridge set-password` does)."""
        self.services.admin.auth.set_password(password)

    def inbound_count(self, phone: str) -> int:
        """Stored inbound messages from `phone`."""
        row = (
            self.services.db.connection()
            .execute("SELECT COUNT(*) FROM messages WHERE direction = 'in' AND phone = ?", (phone,))
            .fetchone()
        )
        return int(row[0])

"""`GET /metrics`: Prometheus text format, built from snapshots (never waits on a modem).

Behind the same bearer token as the API: message counts are business data.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from .api import services, token_required

metrics_blueprint = Blueprint("metrics", __name__)
_STATES = ("ready", "degraded", "connecting", "reconnecting", "pin_required", "pin_error")


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@metrics_blueprint.get("/metrics")
@token_required
def metrics() -> Any:
    """Message counts by direction and status, and per-modem state and signal."""
    lines = [
        "# HELP modembridge_messages Messages in the store by direction and status.",
        "# TYPE modembridge_messages gauge",
    ]
    for (direction, status), count in sorted(services().message_counts().items()):
        lines.append(
            f'modembridge_messages{{direction="{_label(direction)}",status="{_label(status)}"}}'
            f" {count}"
        )
    lines += [
        "# HELP modembridge_modem_up 1 when the modem can send and receive.",
        "# TYPE modembridge_modem_up gauge",
        "# HELP modembridge_modem_signal_dbm Received signal strength.",
        "# TYPE modembridge_modem_signal_dbm gauge",
    ]
    for snap in services().modem_statuses():
        name = _label(snap.name)
        lines.append(f'modembridge_modem_up{{modem="{name}"}} {int(snap.state in _STATES[:2])}')
        if snap.signal_dbm is not None:
            lines.append(f'modembridge_modem_signal_dbm{{modem="{name}"}} {snap.signal_dbm}')
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")

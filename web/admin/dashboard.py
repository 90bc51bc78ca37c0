"""The dashboard: modems, alerts and the messages-per-day chart, refreshed in place."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from modembridge.admin.chart import build_chart
from modembridge.admin.stats import alerts_for

from .common import admin

dashboard_blueprint = Blueprint("dashboard", __name__)


def _context() -> dict[str, Any]:
    stats = admin().dashboard
    cards = stats.cards()
    return {
        "cards": cards,
        "alerts": alerts_for(cards),
        "unassigned": stats.unassigned_queue(),
        "chart": build_chart(stats.daily(30)),
    }


@dashboard_blueprint.get("/")
def index() -> Any:
    """The whole page (works without JavaScript; the script refreshes the live part)."""
    return render_template("dashboard.html", **_context())


@dashboard_blueprint.get("/dashboard/live")
def live() -> Any:
    """Only the live part, for the page's background refresh."""
    return render_template("dashboard_live.html", **_context())

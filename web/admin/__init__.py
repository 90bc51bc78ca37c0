"""The admin page: one blueprint per feature, session login, CSRF on every form."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from flask import Flask, current_app, g

from .auth import auth_blueprint
from .campaigns import campaigns_blueprint
from .common import admin, localtime
from .compose import compose_blueprint
from .contact_import import contact_import_blueprint
from .contacts import contacts_blueprint
from .conversations import conversations_blueprint
from .dashboard import dashboard_blueprint
from .flows import flows_blueprint
from .guard import install_guard
from .rules import rules_blueprint
from .settings import settings_blueprint
from .simulator import simulator_blueprint

BLUEPRINTS = (
    auth_blueprint,
    dashboard_blueprint,
    conversations_blueprint,
    compose_blueprint,
    contacts_blueprint,
    contact_import_blueprint,
    rules_blueprint,
    campaigns_blueprint,
    flows_blueprint,
    simulator_blueprint,
    settings_blueprint,
)
MAX_UPLOAD = 20 * 1024 * 1024  # a CSV of 200,000 contacts (the import's row limit) fits

# Menu entries of the feature pages, in menu order (shown when registered).
FEATURES = (
    {"endpoint": "contacts.index", "blueprint": "contacts", "label": "Contacts"},
    {"endpoint": "rules.index", "blueprint": "rules", "label": "Rules"},
    {"endpoint": "campaigns.index", "blueprint": "campaigns", "label": "Campaigns"},
    {"endpoint": "flows.index", "blueprint": "flows", "label": "Flows"},
)


def register_admin(app: Flask) -> None:
    """Add the admin pages, the access guard and the template helpers to `app`."""
    install_guard(app)
    app.config.setdefault("MAX_CONTENT_LENGTH", MAX_UPLOAD)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.add_template_filter(localtime, "localtime")
    app.context_processor(_navigation)


class Navigation:
    """What the menu shows, read from the database only when a template uses it (the live
    fragments refreshed every few seconds have no menu)."""

    @cached_property
    def unread(self) -> int:
        """Unread inbound messages, for the badge."""
        return admin().inbox.unread_total()

    @cached_property
    def simulator(self) -> bool:
        """True when a modem is simulated (the panel is in the menu)."""
        return bool(admin().simulator.modems())

    @cached_property
    def features(self) -> list[dict[str, str]]:
        """The registered feature pages."""
        views = current_app.view_functions
        return [item for item in FEATURES if item["endpoint"] in views]


def _navigation() -> dict[str, Any]:
    """The menu, for a logged-in admin only."""
    return {"nav": Navigation() if g.get("logged_in") else None}

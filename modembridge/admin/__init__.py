"""The admin page's application layer: login, dashboard figures, inbox, simulator panel.

The web blueprints reach these through `Services.admin` (web imports only services); nothing
here imports Flask.
"""

from .service import AdminServices

__all__ = ["AdminServices"]

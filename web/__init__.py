"""The Flask admin page and REST API, imported as `modembridge.web` (app factory)."""

from .factory import create_app

__all__ = ["create_app"]

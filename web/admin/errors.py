"""HTML error pages for the admin (the API keeps its JSON errors)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from werkzeug.exceptions import HTTPException


def error_page(exc: HTTPException) -> Any:
    """Render `exc` as a page with its status code (never a stack trace)."""
    status = exc.code or 500
    body = render_template(
        "error.html", status=status, title=exc.name or "Error", message=exc.description or ""
    )
    return body, status

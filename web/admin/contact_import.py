"""CSV import (progress bar and per-row report) and CSV export of contacts."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from modembridge.contacts.importer import COLUMNS

from .common import admin, form_text, services

contact_import_blueprint = Blueprint("contact_import", __name__, url_prefix="/contacts")


@contact_import_blueprint.get("/import")
def form() -> Any:
    """The upload form."""
    return render_template(
        "contact_import.html", columns=COLUMNS, lists=services().contacts.lists()
    )


@contact_import_blueprint.post("/import")
def upload() -> Any:
    """Start importing the uploaded file in the background; show its progress page."""
    upload_file = request.files.get("file")
    data = upload_file.read() if upload_file else b""
    if not data:
        page = render_template(
            "contact_import.html",
            columns=COLUMNS,
            lists=services().contacts.lists(),
            error="Choose a CSV file to import.",
        )
        return page, 422
    list_name = form_text("list", 64) or None
    ask = request.form.get("ask") == "yes"
    contacts = services().contacts  # resolved here: the worker thread has no app context

    def run(progress: Any) -> Any:
        return contacts.import_csv(
            data, list_name=list_name, actor="admin", ask_without_evidence=ask, progress=progress
        )

    filename = (upload_file.filename if upload_file else "") or "upload.csv"
    job_id = admin().imports.start(filename[:100], run)
    return redirect(url_for("contact_import.progress", job_id=job_id))


def _job(job_id: str) -> Any:
    job = admin().imports.status(job_id)
    if job is None:
        abort(404, "no such import (finished imports are kept for a while only)")
    return job


@contact_import_blueprint.get("/import/<job_id>")
def progress(job_id: str) -> Any:
    """The progress bar, then the report (refreshed in place while it runs)."""
    return render_template("contact_import_job.html", job=_job(job_id))


@contact_import_blueprint.get("/import/<job_id>/live")
def progress_live(job_id: str) -> Any:
    """The progress part alone, for the background refresh."""
    return render_template("contact_import_live.html", job=_job(job_id))


@contact_import_blueprint.get("/export.csv")
def export() -> Any:
    """Every contact (or one list's members) as CSV."""
    list_name = request.args.get("list") or None
    out = io.StringIO()
    services().contacts.export_csv(out, list_name=list_name)
    name = f"contacts-{list_name}.csv" if list_name else "contacts.csv"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )

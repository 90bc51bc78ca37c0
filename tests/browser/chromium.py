"""Launch Debian's chromium under Playwright (never a downloaded browser).

`playwright install` would fetch a browser from the internet, which CI and a Pi may not
have; Playwright drives the distribution's chromium through `executable_path` instead.
A missing chromium fails the run (locally too): a skipped browser suite proves nothing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM = Path(os.environ.get("MODEMBRIDGE_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",  # CI containers run as root, where the sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """The chromium binary to drive.

    Raises:
        RuntimeError: chromium is not installed (`apt-get install chromium`; .ci/run does).
    """
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return str(CHROMIUM)
    found = shutil.which("chromium")
    if found:
        return found
    raise RuntimeError(
        f"chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install "
        "chromium; .ci/run does) - the admin page's browser tests need it"
    )

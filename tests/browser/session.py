"""A browser context on the bridge under test, recording dialogs and console errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page

from browser.bridge import PASSWORD, BridgeUnderTest

DESKTOP = {"width": 1100, "height": 760}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class AdminBrowser:
    """A browser context on the bridge, with what went wrong in it recorded."""

    def __init__(self, browser: Browser, bridge: BridgeUnderTest, **options: Any) -> None:
        """Open a new context (own cookies) and page."""
        self.bridge = bridge
        self.context = browser.new_context(base_url=bridge.url, **{"viewport": DESKTOP, **options})
        self.context.set_default_timeout(15_000)
        self.page: Page = self.context.new_page()
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        self.page.on("dialog", self._on_dialog)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _on_console(self, message: ConsoleMessage) -> None:
        # Chromium logs every 4xx page as "Failed to load resource": expected answers (422 for
        # a bad form, 401 for a wrong password), not script errors.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(message.text)

    def login(self, password: str = PASSWORD) -> None:
        """Log in through the login form."""
        self.page.goto("/login")
        self.page.fill("#password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(lambda url: "/login" not in url)

    def screenshot(self, name: str) -> Path:
        """Save a PNG of the page for the README (docs/screenshots/NAME.png)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        """Close the context, then fail if a dialog or a console error happened."""
        self.context.close()
        assert not self.dialogs, f"a dialog opened: {self.dialogs}"
        assert not self.console_errors, f"console errors: {self.console_errors}"

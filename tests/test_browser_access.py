"""Browser: first-run setup, login, logout, and unauthenticated visits sent to the login page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from browser.bridge import PASSWORD, BridgeUnderTest
from browser.session import AdminBrowser

pytest_plugins = ["browser.fixtures"]


@pytest.fixture
def fresh(browser: Browser, tmp_path: Path) -> Iterator[AdminBrowser]:
    """A browser on a brand-new bridge: no password yet."""
    new_bridge = BridgeUnderTest(tmp_path / "fresh").start()
    opened = AdminBrowser(browser, new_bridge)
    yield opened
    opened.close()
    new_bridge.stop()


def test_first_run_setup_then_closed(fresh: AdminBrowser) -> None:
    page = fresh.page
    page.goto("/conversations")
    expect(page).to_have_url(f"{fresh.bridge.url}/setup")
    page.goto("/login")  # no password yet: the login page sends you to the setup too
    expect(page).to_have_url(f"{fresh.bridge.url}/setup")

    page.fill("#password", "first-password")
    page.fill("#confirm", "another-password")
    page.click("button[type=submit]")
    expect(page.locator(".flash.error")).to_have_text("the two passwords differ")

    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{fresh.bridge.url}/")
    expect(page.locator("article.modem[data-modem=main]")).to_be_visible()
    assert fresh.bridge.services.admin.auth.has_password()

    page.goto("/setup")  # closed for good once a password exists
    expect(page).to_have_url(f"{fresh.bridge.url}/")  # logged in: the login page moves on


def test_unauthenticated_visit_goes_to_login_and_back(visitor: AdminBrowser) -> None:
    page = visitor.page
    page.goto("/compose?to=%2B15550100001")
    expect(page).to_have_url(f"{visitor.bridge.url}/login?next=%2Fcompose%3Fto%3D%252B15550100001")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    expect(page.locator(".flash.error")).to_have_text("Wrong password.")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{visitor.bridge.url}/compose?to=%2B15550100001")
    expect(page.locator("#to")).to_have_value("+15550100001")


def test_session_cookie_is_httponly_and_samesite(admin: AdminBrowser) -> None:
    cookies = {c["name"]: c for c in admin.context.cookies()}
    session = cookies["session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert admin.page.evaluate("document.cookie") == ""  # scripts cannot read it


def test_logout(admin: AdminBrowser) -> None:
    page = admin.page
    page.goto("/")
    page.click("form.logout button")
    expect(page).to_have_url(f"{admin.bridge.url}/login")
    expect(page.locator(".flash")).to_have_text("You are logged out.")
    page.goto("/")
    expect(page).to_have_url(f"{admin.bridge.url}/login?next=%2F")

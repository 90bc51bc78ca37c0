"""pytest plugin for the browser tests: one chromium and one bridge per test session.

Fixtures:
    browser       Debian's chromium under Playwright (session).
    bridge        a running BridgeUnderTest with the admin password set (session).
    admin         an AdminBrowser: a fresh browser context logged in to `bridge`.
    visitor       an AdminBrowser that is not logged in.
Every AdminBrowser fails its test at teardown if a dialog opened (alert/confirm) or the
console logged an error (a script error, or a CSP report of an injected handler).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from browser.bridge import BridgeUnderTest
from browser.chromium import LAUNCH_ARGS, chromium_path
from browser.session import AdminBrowser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium; launch() gives it a new, empty profile directory every run."""
    executable = chromium_path()  # raises (an error, never a skip) when chromium is missing
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BridgeUnderTest]:
    """One running bridge for the session's browser tests (each test uses its own numbers)."""
    running = BridgeUnderTest(tmp_path_factory.mktemp("bridge")).start()
    running.set_password()
    yield running
    running.stop()


@pytest.fixture
def visitor(browser: Browser, bridge: BridgeUnderTest) -> Iterator[AdminBrowser]:
    """A browser that has not logged in."""
    opened = AdminBrowser(browser, bridge)
    yield opened
    opened.close()


@pytest.fixture
def admin(visitor: AdminBrowser) -> AdminBrowser:
    """A browser logged in as the admin."""
    visitor.login()
    return visitor

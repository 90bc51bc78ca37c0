"""Helpers for the admin page's browser tests (Playwright driving Debian's chromium)."""

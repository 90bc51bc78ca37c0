"""Browser: the dashboard on a real bridge, live updates, phone-sized screens, no JavaScript."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from browser.bridge import BridgeUnderTest
from browser.session import AdminBrowser
from procs import wait_until

pytest_plugins = ["browser.fixtures"]

PHONE = {"width": 375, "height": 740}
PAGES = (
    "/",
    "/conversations",
    "/compose",
    "/contacts",
    "/contacts/import",
    "/rules",
    "/campaigns",
    "/campaigns/new",
    "/flows",
    "/simulator",
    "/settings",
)


def send_and_receive(bridge: BridgeUnderTest, phone: str) -> None:
    """Some traffic for the chart: two messages out (one delivered) and one in."""
    services = bridge.services
    first, _ = services.send_message({"to": phone, "text": "Your table is ready"}, source="admin")
    services.send_message({"to": phone, "text": "See you soon"}, source="admin")
    wait_until(lambda: len(bridge.sent_to(phone)) == 2, 15, "two messages sent")
    reference = bridge.sent_to(phone)[0]["references"][0]
    bridge.sim.dlr(reference, "delivered")
    wait_until(lambda: services.messages.get(first.id).status == "delivered", 15, "delivery report")
    bridge.sim.mo(phone, "On my way!")
    wait_until(lambda: bridge.inbound_count(phone), 15, "reply stored")


def test_dashboard_shows_the_simulated_modem_and_the_chart(admin: AdminBrowser) -> None:
    send_and_receive(admin.bridge, "+15550103001")
    page = admin.page
    page.goto("/")
    card = page.locator("article.modem[data-modem=main]")
    expect(card.locator(".state")).to_have_text("ready")
    expect(card.locator(".tag")).to_have_text("simulated")
    expect(card.locator(".signal")).to_contain_text("dBm")
    assert card.locator(".bars rect.on").count() >= 1
    status = admin.bridge.services.modem_statuses()[0]
    assert status.operator
    expect(card).to_contain_text(status.operator)
    expect(card.locator(".parts-today")).to_contain_text("/ 400")
    legend = page.locator(".legend")
    for series in ("sent", "delivered", "received"):
        count = int(legend.locator(f"li.series-{series} strong").inner_text())
        assert count >= 1, series
    points = page.locator("polyline.series-sent").get_attribute("points")
    assert points is not None and len(points.split()) == 30
    admin.screenshot("dashboard")


def test_dashboard_updates_in_place(admin: AdminBrowser) -> None:
    page, bridge = admin.page, admin.bridge
    page.goto("/")
    page.evaluate("window.__sameDocument = true")
    bridge.sim.fault("signal", {"dbm": -101})
    try:
        expect(page.locator("article.modem[data-modem=main] .signal")).to_contain_text(
            "-101 dBm", timeout=20_000
        )
        assert page.evaluate("window.__sameDocument") is True  # no full reload
    finally:
        bridge.sim.fault("signal", {"dbm": -71})


def test_pages_fit_a_phone_screen(browser: Browser, bridge: BridgeUnderTest) -> None:
    phone = AdminBrowser(browser, bridge, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        phone.login()
        too_wide = {}
        for path in PAGES:
            phone.page.goto(path)
            expect(phone.page.locator("h1")).to_be_visible()
            width = phone.page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[path] = width
        assert not too_wide, f"pages that scroll sideways on a phone: {too_wide}"
    finally:
        phone.close()


def test_lists_are_readable_without_javascript(browser: Browser, bridge: BridgeUnderTest) -> None:
    bridge.sim.mo("+15550103002", "No script needed")
    wait_until(lambda: bridge.inbound_count("+15550103002"), 15, "stored")
    plain = AdminBrowser(browser, bridge, java_script_enabled=False)
    try:
        plain.login()
        plain.page.goto("/conversations")
        expect(plain.page.locator("li.thread", has_text="+15550103002")).to_contain_text(
            "No script needed"
        )
        plain.page.goto("/")
        expect(plain.page.locator("article.modem[data-modem=main] .state")).to_have_text("ready")
    finally:
        plain.close()


def test_alerts_for_a_full_sim_and_a_lost_modem(admin: AdminBrowser) -> None:
    page, bridge = admin.page, admin.bridge
    alerts = page.locator(".alerts .alert")

    def alert_texts() -> list[str]:
        page.goto("/")  # a reload is quicker than waiting for the live refresh here
        return alerts.all_inner_texts()

    bridge.sim.fault("sim_full")
    try:
        found = wait_until(lambda: alert_texts(), 20, "an alert", interval=0.3)
        assert found == ["main: SIM storage nearly full (20/20)"]
    finally:
        bridge.sim.fault("clear")
    wait_until(lambda: not alert_texts(), 20, "no alert", interval=0.3)
    bridge.sim.fault("unplug", {"seconds": 3})
    down = wait_until(lambda: alert_texts(), 20, "a down alert", interval=0.3)
    assert down[0].startswith("main: modem is ")
    expect(page.locator("article.modem[data-modem=main]")).to_have_class("card modem down")
    wait_until(lambda: bridge.services.health()["status"] == "ok", 30, "modem back")
    assert alert_texts() == []

"""Browser: compose, conversations (unread markers, reply box, counter) and hostile SMS text."""

from __future__ import annotations

from playwright.sync_api import expect

from browser.bridge import BridgeUnderTest
from browser.session import AdminBrowser
from procs import wait_until

pytest_plugins = ["browser.fixtures"]

HOSTILE = "<img src=x onerror=alert(1)>"


def receive(bridge: BridgeUnderTest, phone: str, text: str) -> None:
    """A phone texts the bridge through the simulated network; wait until it is stored."""
    before = bridge.inbound_count(phone)
    bridge.sim.mo(phone, text)
    wait_until(lambda: bridge.inbound_count(phone) > before, 20, f"SMS from {phone} stored")


def test_compose_sends_and_the_conversation_shows_it(admin: AdminBrowser) -> None:
    page, phone = admin.page, "+15550102001"
    page.goto("/compose")
    page.fill("#to", "(555) 010-2001")
    page.fill("#compose-text", "Your order #1042 has shipped 🚚")
    expect(page.locator("#compose-counter")).to_contain_text("UCS-2 · 1 part")
    page.click("text=Preview")
    row = page.locator("table.preview tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_have_text(phone)
    expect(row.locator("td.body")).to_have_text("Your order #1042 has shipped 🚚")
    page.click("button:has-text('Send')")
    expect(page).to_have_url(f"{admin.bridge.url}/conversations/{phone}")
    outgoing = page.locator("li.msg.out").last
    expect(outgoing.locator(".body")).to_have_text("Your order #1042 has shipped 🚚")
    expect(outgoing.locator(".status")).to_have_text("sent")  # refreshed in place
    wait_until(lambda: admin.bridge.sent_to(phone), 10, "the simulated network got it")
    assert admin.bridge.sent_to(phone)[0]["text"] == "Your order #1042 has shipped 🚚"
    record = admin.bridge.services.messages.conversation(phone)[0]
    source = admin.bridge.services.db.connection().execute(
        "SELECT source FROM messages WHERE id = ?", (record.id,)
    )
    assert source.fetchone()[0] == "admin"


def test_unread_marker_reply_and_counter(admin: AdminBrowser) -> None:
    page, phone, bridge = admin.page, "+15550102002", admin.bridge
    bridge.services.contacts.upsert(
        {"phone": phone, "first_name": "Jamie", "last_name": "Rivera"}, actor="test"
    )
    receive(bridge, phone, "Hi, is the blue one still in stock?")
    page.goto("/conversations")
    thread = page.locator("li.thread", has_text=phone)
    expect(thread).to_have_class("thread unread")
    expect(thread.locator(".who")).to_have_text("Jamie Rivera")
    expect(thread.locator(".unread-marker")).to_have_text("1 new")
    expect(page.locator("li.thread").first).to_contain_text(phone)  # newest first

    thread.locator("a").click()
    expect(page.locator("li.msg.in.new .body")).to_have_text("Hi, is the blue one still in stock?")
    box = page.locator("#reply-text")
    box.fill("Yes – two left")  # the en dash is not GSM-7
    counter = page.locator("#reply-counter")
    expect(counter).to_contain_text("UCS-2 · 1 part · 56 characters left")
    expect(counter.locator(".forcing code")).to_have_text("–")
    box.fill("Yes, two left")
    expect(counter).to_have_text("GSM-7 · 1 part · 147 characters left")
    page.click("form.reply button")
    expect(page.locator("li.msg.out .body").last).to_have_text("Yes, two left")
    wait_until(lambda: bridge.sent_to(phone), 10, "the reply reached the network")

    receive(bridge, phone, "Great, thanks!")  # arrives while the thread is open
    expect(page.locator("li.msg.in.new .body").last).to_have_text("Great, thanks!")
    expect(page.locator("li.msg.out .status").last).to_have_text("sent")
    admin.screenshot("conversation")
    page.goto("/conversations")
    expect(page.locator("li.thread", has_text=phone)).to_have_class("thread")  # all read


def test_hostile_sms_text_is_shown_as_text(admin: AdminBrowser) -> None:
    page, phone, bridge = admin.page, "+15550102003", admin.bridge
    receive(bridge, phone, HOSTILE)
    page.goto("/conversations")
    thread = page.locator("li.thread", has_text=phone)
    expect(thread.locator(".snippet")).to_have_text(HOSTILE)
    thread.locator("a").click()
    expect(page.locator("li.msg.in .body")).to_have_text(HOSTILE)
    page.goto(f"/compose?to={phone}")
    page.fill("#compose-text", f"You wrote: {HOSTILE}")
    page.click("text=Preview")
    expect(page.locator("table.preview td.body")).to_have_text(f"You wrote: {HOSTILE}")
    page.click("button:has-text('Send')")
    expect(page.locator("li.msg.out .body")).to_have_text(f"You wrote: {HOSTILE}")
    # Wait for one live refresh of the thread (the element is swapped): it must escape too.
    page.evaluate("window.__before = document.getElementById('live-thread')")
    swapped = "!document.body.contains(window.__before)"
    wait_until(lambda: page.evaluate(swapped), 10, "a live refresh")  # CSP forbids eval
    expect(page.locator("li.msg.in .body")).to_have_text(HOSTILE)
    assert page.locator("main img").count() == 0
    for path in ("/conversations", f"/conversations/{phone}"):
        page.goto(path)
        assert page.locator("main img").count() == 0
        assert page.evaluate("document.querySelectorAll('[onerror]').length") == 0
    # `admin` fails the test at teardown if an alert opened or the console logged an error.

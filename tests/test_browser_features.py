"""Browser: contacts (CSV import with bad rows), rules and the simulator's virtual phone,
campaigns (progress to 100 %), compose to a list, flows, and the handover status."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from browser.bridge import BridgeUnderTest
from browser.session import AdminBrowser
from procs import wait_until

pytest_plugins = ["browser.fixtures"]

CSV = (
    "phone,first_name,last_name,email,tags,lists,consent\n"
    "+15550104001,Ada,Lovelace,ada@example.com,vip,newsletter,web form 2026-11-01: yes\n"
    "not-a-number,Bad,Row,,,,\n"
    "(555) 010-4002,<b>Grace</b>,Hopper,,,newsletter,\n"
    "+15550104001,Ada,Again,,,,\n"
)


def subscribe(bridge: BridgeUnderTest, phone: str, list_name: str) -> None:
    consent = {"status": "subscribed", "source": "web", "wording": "Yes, text me offers"}
    bridge.services.contacts.upsert(
        {"phone": phone, "first_name": "Sam", "lists": [list_name], "consent": consent},
        actor="test",
    )


def test_csv_import_reports_bad_rows(admin: AdminBrowser, tmp_path: Path) -> None:
    page = admin.page
    upload = tmp_path / "customers.csv"
    upload.write_text(CSV)
    page.goto("/contacts/import")
    page.set_input_files("#file", str(upload))
    page.fill("#list", "imported")
    page.click("button:has-text('Import')")
    expect(page.locator("#import-progress")).to_have_attribute("value", "100")
    expect(page.locator(".percent")).to_have_text("100 %")
    expect(page.locator(".import-summary")).to_contain_text("4 rows: 2 added, 0 updated")
    errors = page.locator("table.import-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("3")
    expect(errors.nth(0)).to_contain_text("not-a-number")
    expect(errors.nth(1)).to_contain_text("5")
    expect(errors.nth(1)).to_contain_text("+15550104001")

    page.click("text=See the contacts")
    page.fill("#q", "hopper")
    page.click("button:has-text('Filter')")
    row = page.locator("table.contacts tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_have_text("<b>Grace</b> Hopper")  # a CSV field, as text
    assert page.locator("table.contacts b").count() == 0
    row.locator("a").click()
    expect(page.locator("h1.contact")).to_contain_text("+15550104002")
    expect(page.locator("#lists")).to_have_value("imported, newsletter")

    page.goto("/contacts/+15550104001")
    expect(page.locator("table.consent-history tbody tr").first).to_contain_text("web form")
    page.select_option("#status", "unsubscribed")
    page.fill("#wording", "Asked on the phone to stop")
    page.click("button:has-text('Record')")
    expect(page.locator("strong.sub")).to_have_text("unsubscribed")
    expect(page.locator("table.consent-history tbody tr").first).to_contain_text("Asked on")


def test_csv_export(admin: AdminBrowser) -> None:
    subscribe(admin.bridge, "+15550104101", "exported")
    admin.page.goto("/contacts?list=exported")
    with admin.page.expect_download() as download:
        admin.page.click("text=Export CSV (exported)")
    text = Path(download.value.path()).read_text()
    assert text.splitlines()[0].startswith("phone,first_name")
    assert "+15550104101,Sam" in text


def test_virtual_phone_texts_discount_and_sees_the_reply(admin: AdminBrowser) -> None:
    admin.bridge.services.rules.create(
        {"keyword": "DISCOUNT", "reply": "Use code WARM30 for 30% off today"}
    )
    page = admin.page
    page.goto("/simulator")
    page.fill("#sim-phone", "+15550104201")
    page.fill("#sim-text", "discount")
    page.click("button:has-text('Send to the bridge')")
    expect(page.locator(".flash")).to_have_text("Texted the bridge from +15550104201.")
    reply = page.locator("#live-sim li.msg .body")
    expect(reply).to_have_text("Use code WARM30 for 30% off today", timeout=20_000)

    page.goto("/rules?phone=%2B15550104299&text=Discount")  # the try-it box agrees
    expect(page.locator(".trial-reply .body")).to_have_text("Use code WARM30 for 30% off today")


def test_rules_page_creates_orders_and_tries(admin: AdminBrowser) -> None:
    page = admin.page
    for keyword, reply in (("HOURS", "Open 9-5, Monday to Friday"), ("MENU", "See {brand}.com")):
        page.goto("/rules/new")
        page.fill("#keyword", keyword)
        page.fill("#reply", reply)
        page.fill("#add_tags", "asked-" + keyword.lower())
        page.click("button:has-text('Save')")
        expect(page.locator(".flash")).to_contain_text(f"Rule {keyword} created.")
    keywords = page.locator("table.rules tbody tr td:nth-child(2) a")
    names = keywords.all_inner_texts()
    assert names.index("HOURS") < names.index("MENU")
    page.locator("table.rules tbody tr", has_text="MENU").locator("button[value=up]").click()
    names = page.locator("table.rules tbody tr td:nth-child(2) a").all_inner_texts()
    assert names.index("MENU") < names.index("HOURS")

    page.fill("#try-phone", "+15550104301")
    page.fill("#try-text", "hours?")
    page.click("button:has-text('Try')")
    expect(page.locator(".trial-result")).to_contain_text("Rule HOURS matches.")
    expect(page.locator(".trial-reply .body")).to_have_text("Open 9-5, Monday to Friday")
    expect(page.locator(".effects")).to_contain_text("asked-hours")
    page.fill("#try-text", "STOP")
    page.click("button:has-text('Try')")
    expect(page.locator(".trial-result")).to_contain_text("Built-in opt out keyword")

    page.goto("/rules/new")
    page.fill("#keyword", "BROKEN")
    page.fill("#reply", "Your code: {coupon}")  # no codes: refused with the reason
    page.click("button:has-text('Save')")
    expect(page.locator(".flash.error")).to_contain_text("codes list")


def test_campaign_progress_reaches_100(admin: AdminBrowser) -> None:
    bridge, page = admin.bridge, admin.page
    for i in range(3):
        subscribe(bridge, f"+155501045{i:02d}", "spring")
    page.goto("/campaigns/new")
    page.fill("#name", "Spring sale")
    page.fill("#campaign-text", "Hi {first_name}, 20% off everything this weekend")
    page.fill("#audience", "spring")
    page.click("button:has-text('Create campaign')")
    expect(page.locator("h1")).to_have_text("Spring sale")
    expect(page.locator("#campaign-progress")).to_have_attribute("value", "100", timeout=30_000)
    expect(page.locator(".percent")).to_have_text("100 %")
    expect(page.locator("td[data-stat=total]")).to_have_text("3")
    sent = [m for m in bridge.sim.sent() if m["to"].startswith("+155501045")]
    assert len(sent) == 3 and all("20% off" in m["text"] for m in sent)
    assert all("STOP" in m["text"] for m in sent)  # the opt-out footer was added

    page.click("button:has-text('Pause')")
    expect(page.locator("strong.campaign-status")).to_have_text("paused")
    page.click("button:has-text('Cancel')")
    expect(page.locator("strong.campaign-status")).to_have_text("cancelled")
    page.goto("/campaigns")
    expect(page.locator("table.campaigns tbody tr", has_text="Spring sale")).to_contain_text(
        "100 %"
    )


def test_compose_marketing_to_a_list_previews_each_recipient(admin: AdminBrowser) -> None:
    bridge, page = admin.bridge, admin.page
    subscribe(bridge, "+15550104601", "club")
    bridge.services.contacts.upsert(
        {"phone": "+15550104602", "first_name": "Nope", "lists": ["club"]}, actor="test"
    )
    page.goto("/compose")
    page.check("input[name=mode][value=list]")
    page.fill("#to", "club")
    page.check("input[name=kind][value=marketing]")
    page.fill("#compose-text", "Hello {first_name}, new arrivals are in")
    page.click("text=Preview")
    rows = page.locator("table.preview tbody tr")
    expect(rows).to_have_count(2)
    subscribed = rows.filter(has_text="+15550104601")
    expect(subscribed.locator("td.body")).to_contain_text("Hello Sam, new arrivals are in")
    expect(subscribed).to_contain_text("sends at")
    expect(rows.filter(has_text="+15550104602")).to_contain_text("skipped")
    page.click("button:has-text('Send')")
    expect(page.locator("h1")).to_contain_text("Compose: Hello {first_name}")
    expect(page.locator("#campaign-progress")).to_have_attribute("value", "100", timeout=30_000)
    expect(page.locator("td[data-stat=skipped]")).to_have_text("1")


def test_flows_page(admin: AdminBrowser) -> None:
    page = admin.page
    page.goto("/flows")
    page.fill("#flow-name", "Abandoned cart")
    page.fill("#trigger", "cart_abandoned")
    page.click("button:has-text('Create flow')")
    card = page.locator("article.flow", has_text="Abandoned cart")
    expect(card.locator("pre.steps")).to_have_text(
        "wait 1h\nunless order_placed\nsend: You left {item} in your cart: {cart_url}"
    )
    page.fill("#flow-name", "Broken")
    page.fill("#trigger", "x")
    page.fill("#steps", "wait 1h\nsomething else")
    page.click("button:has-text('Create flow')")
    expect(page.locator(".flash.error")).to_contain_text("line 2")
    card.locator("button:has-text('Delete')").click()
    expect(page.locator("article.flow", has_text="Abandoned cart")).to_have_count(0)


def test_handover_shows_until_an_admin_replies(admin: AdminBrowser) -> None:
    bridge, page, phone = admin.bridge, admin.page, "+15550104701"
    bridge.services.rules.create(
        {
            "keyword": "AGENT",
            "reply": "A person will answer shortly",
            "actions": [{"type": "handover", "minutes": 60}],
        }
    )
    bridge.sim.mo(phone, "agent")
    wait_until(lambda: bridge.sent_to(phone), 20, "the auto-reply")
    page.goto(f"/conversations/{phone}")
    expect(page.locator(".handover")).to_contain_text("Automation paused for this contact")
    page.fill("#reply-text", "Hi, this is Maria. How can I help?")
    page.click("form.reply button")
    expect(page.locator("li.msg.out .body").last).to_have_text("Hi, this is Maria. How can I help?")
    expect(page.locator(".handover")).to_have_count(0)

"""The admin forms' conversions: rule fields <-> rule JSON, flow step lines, campaign bits."""

from __future__ import annotations

from datetime import datetime

import pytest

from modembridge.rules.validate import parse_rule
from modembridge.web.admin.campaigns import percent_done
from modembridge.web.admin.contacts import split_names
from modembridge.web.admin.flow_form import StepSyntaxError, format_steps, parse_steps
from modembridge.web.admin.rule_form import form_to_rule, rule_to_form


def test_rule_form_round_trip() -> None:
    form = {
        "name": "Winter promo",
        "keyword": "DISCOUNT",
        "aliases": "deal, promo;",
        "match": "first_word",
        "reply": "Code {coupon}\r\nvalid today",
        "exhausted_reply": "All gone, sorry",
        "codes": "A1\n\n B2 \n",
        "subscribe_lists": "winter",
        "unsubscribe_lists": "",
        "add_tags": "promo, winter",
        "remove_tags": "cold",
        "handover_minutes": "30",
        "webhook_url": "https://shop.example/hook",
        "webhook_secret": "s3cret-s3cret",
        "enabled": "yes",
        "active_from": "2026-12-01T09:00",
        "active_until": "",
    }
    rule = form_to_rule(form)
    assert rule["aliases"] == ["deal", "promo"]
    assert rule["reply"] == "Code {coupon}\nvalid today"
    assert rule["codes"] == ["A1", "B2"]
    assert rule["actions"] == [
        {"type": "subscribe", "list": "winter"},
        {"type": "tag", "tag": "promo"},
        {"type": "tag", "tag": "winter"},
        {"type": "untag", "tag": "cold"},
        {"type": "handover", "minutes": 30},
        {"type": "webhook", "url": "https://shop.example/hook", "secret": "s3cret-s3cret"},
    ]
    assert rule["active_until"] is None and rule["active_from"].startswith("2026-12-01")
    parse_rule(rule, reserved=frozenset())  # what the form builds, the service accepts
    stored = {**rule, "codes": {"total": 2}}
    back = rule_to_form(stored)
    assert back["add_tags"] == "promo, winter" and back["handover_minutes"] == "30"
    assert back["active_from"] == "2026-12-01T09:00" and back["codes"] == ""
    assert form_to_rule({**back, "codes": "A1\nB2"}) == rule | {"aliases": ["deal", "promo"]}


def test_rule_form_refuses_bad_values() -> None:
    with pytest.raises(ValueError):
        form_to_rule({"active_from": "next tuesday"})
    minutes = form_to_rule({"handover_minutes": "soon"})["actions"]
    assert minutes == [{"type": "handover", "minutes": -1}]  # the service names the problem
    assert form_to_rule({"enabled": ""})["enabled"] is False


def test_flow_steps_as_lines() -> None:
    text = "wait 1h\n\nunless order_placed\nsend: Hi {name}: your cart\nSend transactional: Done"
    steps = parse_steps(text)
    assert steps == [
        {"wait": "1h"},
        {"unless": "order_placed"},
        {"send": "Hi {name}: your cart"},
        {"send": "Done", "kind": "transactional"},
    ]
    assert parse_steps(format_steps(steps)) == steps
    with pytest.raises(StepSyntaxError, match="line 2"):
        parse_steps("wait 1h\nhello there")
    with pytest.raises(StepSyntaxError, match="line 1"):
        parse_steps("send now please")


def test_small_helpers() -> None:
    assert split_names(" vip, ;news ,, shop;") == ["vip", "news", "shop"]
    assert percent_done({"total": 0}) == 0
    assert percent_done({"total": 4, "sent": 1, "delivered": 1, "queued": 2}) == 50
    assert percent_done({"total": 3, "failed": 1, "skipped": 1, "suppressed": 1}) == 100


def test_local_times_are_the_bridges() -> None:
    rule = form_to_rule({"active_from": "2026-12-01T09:00"})
    local = datetime(2026, 12, 1, 9, 0).astimezone()
    assert datetime.fromisoformat(rule["active_from"]) == local

"""Rule validation at creation: templates, keywords, regex safety, actions, windows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modembridge.rules.compliance import reserved_keys
from modembridge.rules.model import RuleError, render, template_fields
from modembridge.rules.regex_guard import MAX_INPUT, UnsafePattern, compile_safe, search
from modembridge.rules.validate import order_ids, parse_rule, rule_input

RESERVED = reserved_keys("JOIN")


def parse(**data: Any) -> Any:
    return parse_rule(data, reserved=RESERVED)


def code_of(**data: Any) -> str:
    with pytest.raises(RuleError) as caught:
        parse(**data)
    return caught.value.code


def test_a_full_rule_round_trips() -> None:
    rule, codes = parse(
        name="Winter",
        keyword="DISCOUNT",
        aliases=["deal", "DISCOUNT"],
        match="first_word",
        reply="Use code {coupon} for 30% off, {first_name}!",
        exhausted_reply="Sorry {first_name}, all codes are gone.",
        codes=["W-1", "W-2"],
        actions=[
            {"type": "subscribe", "list": "winter"},
            {"type": "tag", "tag": "discount"},
            {"type": "webhook", "url": "https://crm.example/hook"},
            {"type": "handover", "minutes": 15},
        ],
        active_from="2026-12-01T00:00:00Z",
        active_until="2027-01-01T00:00:00Z",
    )
    assert rule.aliases == ("deal",) and codes == ("W-1", "W-2")
    assert len(rule.actions[2].secret) == 32  # generated: the receiver needs one
    again, _ = parse_rule(rule_input(rule), reserved=RESERVED, has_codes=True)
    assert again == rule


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"keyword": "X", "reply": "Hi {name}"}, "unknown_placeholder"),
        ({"keyword": "X", "reply": "Hi {first_name.upper}"}, "unknown_placeholder"),
        ({"keyword": "X", "reply": "Hi {first_name!r}"}, "invalid_template"),
        ({"keyword": "X", "reply": "Hi {first_name:>9}"}, "invalid_template"),
        ({"keyword": "X", "reply": "Hi {"}, "invalid_template"),
        ({"keyword": "X", "reply": "Code {coupon}"}, "codes_required"),
        ({"keyword": "X", "reply": "Hi", "codes": ["A"]}, "coupon_unused"),
        ({"keyword": "X", "reply": "{coupon}", "codes": ["A", "A"]}, "duplicate_code"),
        ({"keyword": "X", "reply": "{coupon}", "codes": ["A B"]}, "invalid_codes"),
        (
            {"keyword": "X", "reply": "{coupon}", "codes": ["A"], "exhausted_reply": "{coupon}"},
            "invalid_template",
        ),
        ({"keyword": "STOP", "reply": "x"}, "reserved_keyword"),
        ({"keyword": "Opt-Out", "reply": "x"}, "reserved_keyword"),
        ({"keyword": "DEAL", "aliases": ["help"], "reply": "x"}, "reserved_keyword"),
        ({"keyword": "join", "reply": "x"}, "reserved_keyword"),
        ({"keyword": "!!!", "reply": "x"}, "invalid_keyword"),
        ({"keyword": "X", "match": "fuzzy", "reply": "x"}, "invalid_match"),
        ({"keyword": "X", "match": "any", "reply": "x"}, "invalid_keyword"),
        ({"keyword": "(a+)+$", "match": "regex", "reply": "x"}, "invalid_regex"),
        ({"keyword": "[", "match": "regex", "reply": "x"}, "invalid_regex"),
        ({"keyword": "a|b", "match": "regex", "aliases": ["c"], "reply": "x"}, "invalid_aliases"),
        ({"keyword": "X"}, "empty_rule"),
        ({"keyword": "X", "reply": "x", "colour": "red"}, "unknown_field"),
        ({"keyword": "X", "reply": "x\x1b"}, "control_character"),
        ({"keyword": "X", "reply": "x", "actions": [{"type": "email"}]}, "invalid_action"),
        ({"keyword": "X", "actions": [{"type": "webhook", "url": "ftp://x"}]}, "invalid_action"),
        ({"keyword": "X", "actions": [{"type": "tag", "tag": ""}]}, "invalid_action"),
        ({"keyword": "X", "actions": [{"type": "handover", "minutes": 0}]}, "invalid_action"),
        ({"keyword": "X", "actions": [{"type": "tag", "tag": "a", "x": 1}]}, "invalid_action"),
        ({"keyword": "X", "reply": "x", "active_from": "soon"}, "invalid_time"),
        (
            {
                "keyword": "X",
                "reply": "x",
                "active_from": "2026-02-01T00:00:00Z",
                "active_until": "2026-01-01T00:00:00Z",
            },
            "invalid_window",
        ),
        ({"keyword": "X", "reply": "x", "priority": -1}, "invalid_priority"),
        ({"keyword": "X", "reply": "x", "enabled": "yes"}, "invalid_field"),
    ],
)
def test_bad_rules_are_refused_with_a_code(data: dict[str, Any], code: str) -> None:
    assert code_of(**data) == code


def test_catch_all_rule_has_no_keyword() -> None:
    rule, _ = parse(match="any", reply="We got your message: {text}")
    assert rule.keyword == "" and rule.match == "any"


def test_templates_render_clean_values() -> None:
    assert template_fields("Hi {first_name}, {{literal}} {coupon}") == ["first_name", "coupon"]
    text = render("Hi {first_name}: {text}", {"first_name": "A\x1bda", "text": "x" * 500})
    assert "\x1b" not in text and len(text) <= 4 + 3 + 2 + 160
    assert render("Hi {first_name|there}!", {}) == "Hi there!"
    assert render("Hi {first_name|there}!", {"first_name": "Ada"}) == "Hi Ada!"
    assert template_fields("{last_name|friend} {text}") == ["last_name", "text"]


@pytest.mark.parametrize(
    "pattern",
    [
        "(a+)+$",
        "(a*)*b",
        r"(\w+\s?)+$",
        "(a|aa)+",
        "(?:x{2,}){2,}",
        r"(\d)\1",
        "a*b*c*d*",
        "x" * 201,
        "",
    ],
)
def test_catastrophic_or_invalid_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(UnsafePattern):
        compile_safe(pattern)


@given(st.text(alphabet="ab()|*+?{}0123456789,.\\^$[]-", max_size=20))
def test_accepted_patterns_never_nest_repeats(pattern: str) -> None:
    try:
        compiled = compile_safe(pattern)
    except UnsafePattern:
        return
    # A pattern that passed has no quantified group containing a quantifier, and it runs
    # only on a capped input.
    assert not re.search(r"\([^()]*[*+}][^()]*\)[*+{]", pattern)
    search(compiled, "a" * (MAX_INPUT * 4))


def test_reorder_ids_must_list_every_rule_once() -> None:
    assert order_ids([3, 1, 2], [1, 2, 3]) == [3, 1, 2]
    for bad in ([1, 2], [1, 2, 3, 3], [1, 2, 4], ["1", 2, 3], [True, 2, 3]):
        with pytest.raises(RuleError):
            order_ids(bad, [1, 2, 3])

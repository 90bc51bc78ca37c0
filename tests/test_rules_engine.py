"""The pure keyword engine: matching, templates, coupons, actions, safety gates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modembridge.rules.effects import (
    AssignCoupon,
    CallWebhook,
    CancelMarketing,
    ListChange,
    SetSubscription,
    StartHandover,
    Suppress,
    TagChange,
    Unsuppress,
    describe,
)
from modembridge.rules.engine import (
    ContactView,
    Context,
    CouponSlot,
    Inbound,
    Policy,
    decide,
    match_rule,
)
from modembridge.rules.model import Action, Rule
from modembridge.rules.normalize import first_words_match, fold, key
from modembridge.rules.safety import SafetyPolicy, SenderHistory, looks_automated

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PHONE = "+15551230000"
POLICY = Policy(brand="Acme")


def rule(rule_id: int, keyword: str, match: str = "exact", **kw: object) -> Rule:
    fields: dict[str, object] = {"priority": rule_id * 10, "reply": f"reply {rule_id}"}
    fields.update(kw)
    return Rule(id=rule_id, keyword=keyword, match=match, **fields)  # type: ignore[arg-type]


def ctx(text: str, *rules: Rule, **kw: object) -> Context:
    inbound = Inbound(PHONE, text, message_id=7, **kw.pop("inbound", {}))  # type: ignore[arg-type]
    return Context(inbound=inbound, rules=rules, **kw)  # type: ignore[arg-type]


def test_normalisation_forms() -> None:
    assert key(" Discount! ") == "discount"
    assert key("ARRÊT") == key("arret") == "arret"
    assert key("OPT-OUT") == "opt out"
    assert key("don’t text me") == "dont text me"
    assert key("ＤＩＳＣＯＵＮＴ") == "discount"
    assert key("S\u200bTOP") == "stop"  # zero-width space dropped
    assert fold("  Order   #42 ") == "order #42"
    assert first_words_match("discount please", "discount")
    assert not first_words_match("discounts", "discount")


@pytest.mark.parametrize("text", ["discount", " Discount! ", "DISCOUNT please", "dïscount…"])
def test_first_word_rule_matches_variants(text: str) -> None:
    hit = match_rule([rule(1, "DISCOUNT", "first_word")], text, NOW)
    assert hit is not None and hit[1] == "DISCOUNT"


def test_exact_rule_needs_the_whole_message_and_aliases_count() -> None:
    rules = [rule(1, "DISCOUNT", aliases=("DEAL", "Promo code"))]
    assert match_rule(rules, "discount please", NOW) is None
    assert match_rule(rules, "Deal!", NOW) is not None
    assert match_rule(rules, "PROMO-CODE", NOW) is not None


def test_priority_order_then_catch_all_last() -> None:
    catch_all = rule(1, "", "any", priority=0, reply="catch")
    low = rule(2, "PIZZA", "first_word", priority=50)
    high = rule(3, "PIZZA", "first_word", priority=5)
    hit = match_rule([catch_all, low, high], "pizza now", NOW)
    assert hit is not None and hit[0].id == 3
    other = match_rule([catch_all, low, high], "hello", NOW)
    assert other is not None and other[0].id == 1


def test_regex_rule_runs_on_folded_text() -> None:
    orders = rule(1, r"^order\s+#?(\d+)$", "regex")
    hit = match_rule([orders], "  ORDER  #123 ", NOW)
    assert hit is not None and hit[1] == "order #123"
    assert match_rule([orders], "order abc", NOW) is None


def test_active_window_and_disabled_rules() -> None:
    window = rule(1, "XMAS", active_from=NOW, active_until=NOW + timedelta(days=1))
    assert match_rule([window], "xmas", NOW - timedelta(seconds=1)) is None
    assert match_rule([window], "xmas", NOW) is not None
    assert match_rule([window], "xmas", NOW + timedelta(days=1)) is None
    assert match_rule([rule(2, "XMAS", enabled=False)], "xmas", NOW) is None


def test_reply_template_uses_contact_and_message() -> None:
    r = rule(1, "HI", reply="Hi {first_name} {last_name} ({phone}), you said {text}: {keyword}")
    decision = decide(
        ctx("hi!", r, contact=ContactView(first_name="Ada", last_name="Lovelace")), POLICY, NOW
    )
    assert decision.reply == f"Hi Ada Lovelace ({PHONE}), you said hi!: HI"
    assert decision.source == "rule" and decision.reply_to_send == decision.reply


def test_coupon_new_held_and_exhausted() -> None:
    r = rule(1, "COUPON", reply="Code {coupon}", exhausted_reply="All gone, {first_name}")
    fresh = decide(ctx("coupon", r, coupons={1: CouponSlot("A1", held=False)}), POLICY, NOW)
    assert fresh.reply == "Code A1" and AssignCoupon(1, "A1") in fresh.effects
    held = decide(ctx("coupon", r, coupons={1: CouponSlot("A1", held=True)}), POLICY, NOW)
    assert held.reply == "Code A1" and not any(isinstance(e, AssignCoupon) for e in held.effects)
    gone = decide(ctx("coupon", r, coupons={1: None}), POLICY, NOW)
    assert gone.reply == "All gone," and gone.effects == ()


def test_actions_become_effects() -> None:
    actions = (
        Action("subscribe", "vip"),
        Action("unsubscribe", "old"),
        Action("tag", "promo"),
        Action("untag", "cold"),
        Action("webhook", "https://hooks.example/x", secret="s3cret-value"),
        Action("handover", minutes=30),
    )
    decision = decide(ctx("help me", rule(1, "HELP ME", actions=actions)), POLICY, NOW)
    assert decision.effects[:4] == (
        ListChange("vip", True),
        ListChange("old", False),
        TagChange("promo", True),
        TagChange("cold", False),
    )
    webhook = decision.effects[4]
    assert isinstance(webhook, CallWebhook) and webhook.payload["message"]["from"] == PHONE
    assert "secret" not in str(describe(webhook))
    assert decision.effects[5] == StartHandover(1, NOW + timedelta(minutes=30))


def test_opt_out_effects_and_single_confirmation() -> None:
    decision = decide(ctx("Stop!!"), POLICY, NOW)
    assert decision.matched == "opt_out"
    assert decision.effects == (
        SetSubscription("unsubscribed", "keyword", "Stop!!"),
        Suppress("keyword: Stop!!"),
        CancelMarketing("opted out"),
    )
    assert decision.reply == (
        "Acme: You are unsubscribed and will receive no more messages. Reply START to resubscribe."
    )
    again = decide(ctx("stop", contact=ContactView(subscription="unsubscribed")), POLICY, NOW)
    assert not any(isinstance(e, SetSubscription) for e in again.effects)
    assert Suppress("keyword: stop") in again.effects  # idempotent, keeps the first date


def test_compliance_wins_over_user_rules() -> None:
    catch_all = rule(1, "", "any")
    assert decide(ctx("STOP", catch_all), POLICY, NOW).matched == "opt_out"
    assert decide(ctx("help", catch_all), POLICY, NOW).matched == "help"


def test_start_yes_unstop_resubscribe_and_lift_suppression() -> None:
    opted_out = ContactView(subscription="unsubscribed", suppressed=True)
    for word in ("START", "yes", "Unstop"):
        decision = decide(ctx(word, contact=opted_out), POLICY, NOW)
        assert decision.effects == (SetSubscription("subscribed", "keyword", word), Unsuppress())
        assert decision.reply is not None and "You are subscribed" in decision.reply


def test_join_with_and_without_double_opt_in() -> None:
    decision = decide(ctx("JOIN"), POLICY, NOW)
    assert decision.effects == (SetSubscription("pending", "keyword", "JOIN"),)
    assert decision.reply is not None and "Reply YES to confirm" in decision.reply
    again = decide(ctx("join", contact=ContactView(subscription="pending")), POLICY, NOW)
    assert again.effects == () and again.reply == decision.reply
    direct = decide(ctx("JOIN"), Policy(double_opt_in=False), NOW)
    assert direct.effects == (SetSubscription("subscribed", "keyword", "JOIN"),)
    confirm = decide(ctx("YES", contact=ContactView(subscription="pending")), POLICY, NOW)
    assert confirm.effects == (SetSubscription("subscribed", "keyword", "YES"),)


def test_help_answers_even_opted_out_numbers() -> None:
    decision = decide(
        ctx("HELP", contact=ContactView(subscription="unsubscribed", suppressed=True)), POLICY, NOW
    )
    assert decision.effects == ()
    assert decision.reply is not None and decision.reply_to_send == decision.reply
    assert "Acme" in decision.reply and "Reply STOP to opt out" in decision.reply
    assert "Msg&data rates may apply" in decision.reply


def test_undecodable_and_empty_messages_get_nothing() -> None:
    bad = decide(ctx("", rule(1, "", "any"), inbound={"decode_error": "bad PDU"}), POLICY, NOW)
    assert bad.matched is None and bad.reply is None and "decoded" in (bad.blocked or "")
    assert decide(ctx("   ", rule(1, "", "any")), POLICY, NOW).reply is None


def test_handover_silences_rules_but_not_compliance() -> None:
    history = SenderHistory(handover_active=True)
    quiet = decide(ctx("discount", rule(1, "DISCOUNT"), history=history), POLICY, NOW)
    assert quiet.matched is None and quiet.reply is None
    assert decide(ctx("STOP", history=history), POLICY, NOW).matched == "opt_out"


def test_reply_limit_blocks_the_reply_but_never_the_opt_out() -> None:
    history = SenderHistory(auto_replies=5)
    limited = decide(ctx("discount", rule(1, "DISCOUNT"), history=history), POLICY, NOW)
    assert limited.reply == "reply 1" and limited.reply_to_send is None
    assert "limit" in (limited.blocked or "")
    stop = decide(ctx("STOP", history=history), POLICY, NOW)
    assert stop.reply_to_send is None and len(stop.effects) == 3  # processed, not confirmed


def test_machine_senders_get_no_auto_reply() -> None:
    decision = decide(ctx("hi", rule(1, "HI"), inbound={"machine_sender": True}), POLICY, NOW)
    assert decision.matched == "rule" and decision.reply_to_send is None


@given(st.lists(st.one_of(st.none(), st.floats(0, 30)), max_size=6))
def test_loop_guard_needs_repeated_fast_answers(gaps: list[float | None]) -> None:
    policy = SafetyPolicy()
    fast = sum(1 for g in gaps[:3] if g is not None and g < 2.0)
    assert looks_automated(gaps, policy) == (fast >= 2)


def test_loop_guard_blocks_a_bot() -> None:
    bot = SenderHistory(auto_replies=2, answer_gaps=(0.4, 0.3))
    decision = decide(ctx("hi", rule(1, "HI"), history=bot), POLICY, NOW)
    assert "faster than a person" in (decision.blocked or "")
    person = SenderHistory(auto_replies=2, answer_gaps=(12.0, 0.5))
    assert decide(ctx("hi", rule(1, "HI"), history=person), POLICY, NOW).blocked is None
    # A keyword's confirmation is still sent (carriers expect it); only the limit bounds it.
    assert decide(ctx("HELP", history=bot), POLICY, NOW).blocked is None
    limited = SenderHistory(auto_replies=5, answer_gaps=(0.4, 0.3))
    assert decide(ctx("HELP", history=limited), POLICY, NOW).blocked is not None

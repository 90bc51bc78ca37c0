"""Compliance keywords and revocations: the pure classifier, with Hypothesis properties."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from modembridge.config import ConfigError, parse_config
from modembridge.rules.compliance import (
    HELP_WORDS,
    OPT_IN_WORDS,
    OPT_OUT_KEYS,
    OPT_OUT_WORDS,
    classify,
    find_revocation,
    is_opt_out_keyword,
    reserved_keys,
    settings_problem,
)
from modembridge.rules.handler import policy_for
from modembridge.rules.normalize import fold, key, letters

# Messages that must never opt anybody out, however they are dressed up.
NOT_OPT_OUT = (
    *OPT_IN_WORDS,
    *HELP_WORDS,
    "JOIN",
    "DISCOUNT",
    "DISCOUNT please",
    "STOPS",
    "STOPPED",
    "NONSTOP",
    "TOP",
    "SPOT",
    "POTS",
    "ENDING",
    "WEEKEND",
    "QUITE",
    "REMOVED",
    "CANCELLED",
    "STAR",
    "ARRETE",
    "Y",
    "OK",
    "Thanks",
    "Bus stop",
    "stop by the store tomorrow",
    "Don't stop texting me",
    "I quit smoking",
    "Cancel my order",
)
PUNCTUATION = " \t\n!?.,;:-_*~\"'()[]…¡¿。！"


def dress(word: str, data: st.DataObject) -> str:
    """`word` in random case, with random diacritics and surrounding punctuation/space."""
    cased = "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in word)
    marks = st.sampled_from(["", "\u0301", "\u0302", "\u0308", "\u0300"])
    accented = "".join(c + (data.draw(marks) if c.isalpha() else "") for c in cased)
    form = data.draw(st.sampled_from(["NFC", "NFD", "NFKC"]))
    around = st.text(alphabet=PUNCTUATION, max_size=4)
    return data.draw(around) + unicodedata.normalize(form, accented) + data.draw(around)


@given(st.sampled_from(OPT_OUT_WORDS), st.data())
@example("ARRÊT", None)
def test_every_opt_out_keyword_in_any_dress_opts_out(word: str, data: st.DataObject | None) -> None:
    text = word if data is None else dress(word, data)
    found = classify(text)
    assert found is not None and found.intent == "opt_out", repr(text)
    assert found.source == "keyword" and is_opt_out_keyword(text)


@given(st.sampled_from(NOT_OPT_OUT), st.data())
def test_no_other_keyword_is_ever_turned_into_an_opt_out(word: str, data: st.DataObject) -> None:
    text = dress(word, data)
    found = classify(text)
    assert found is None or found.intent != "opt_out", repr(text)
    assert not is_opt_out_keyword(text)


@given(st.text(max_size=40))
def test_normalisation_only_removes_case_accents_and_punctuation(text: str) -> None:
    # If a text counts as a whole-message opt-out keyword, its letters ARE the keyword's
    # letters: normalisation never adds, changes or reorders a letter.
    if is_opt_out_keyword(text):
        assert letters(text) in {letters(w) for w in OPT_OUT_WORDS}
    assert letters(key(text)) == letters(text)  # idempotent
    assert fold(fold(text)) == fold(text)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("please stop texting me", "stop texting"),
        ("STOP!!", None),
        ("No more messages", "no more messages"),
        ("no more texts pls", "no more texts"),
        ("unsubscribe me", "unsubscribe me"),
        ("Don't text me", "dont text me"),
        ("do not message this number again", "do not message this number"),
        ("Stop sending me these", "stop sending"),
        ("please stop", "please stop"),
        ("stop it now thanks", "stop it now thanks"),
        ("Take me off your list", "take me off"),
        ("Sorry, wrong number", "wrong number"),
        ("Thanks. STOP", "stop"),
        ("STOP!!! who is this", "stop"),
    ],
)
def test_free_text_revocations_opt_out(text: str, phrase: str | None) -> None:
    found = classify(text)
    assert found is not None and found.intent == "opt_out"
    if phrase is not None:
        assert found.source == "revocation" and found.keyword == phrase


def test_negated_stop_phrases_are_not_revocations() -> None:
    assert find_revocation("please don't stop texting me") is None
    assert find_revocation("never stop sending me deals") is None
    assert find_revocation("I can't stop laughing") is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("start", "opt_in"),
        ("Yes!", "opt_in"),
        ("UNSTOP", "opt_in"),
        ("join", "join"),
        ("HELP", "help"),
        ("info?", "help"),
        ("help me with my order", None),
        ("", None),
        ("🙂", None),
    ],
)
def test_other_compliance_keywords(text: str, intent: str | None) -> None:
    found = classify(text)
    assert (found.intent if found else None) == intent


def test_join_keyword_is_configurable() -> None:
    found = classify("Deals!", join_keyword="DEALS")
    assert found is not None and found.intent == "join"
    assert classify("join", join_keyword="DEALS") is None
    assert "deals" in reserved_keys("DEALS") and "stop" in reserved_keys("DEALS")


def test_opt_out_keys_cover_field_notes_list() -> None:
    assert {"stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit"} <= OPT_OUT_KEYS
    assert {"revoke", "optout", "opt out", "remove", "arret"} <= OPT_OUT_KEYS


@pytest.mark.parametrize(
    ("join", "help_text", "problem"),
    [
        ("JOIN", "{brand}: help at acme.example. Reply STOP to opt out.", None),
        ("JOIN NOW", "Reply STOP to opt out", "one word"),
        ("STOP", "Reply STOP to opt out", "already"),
        ("YES", "Reply STOP to opt out", "already"),
        ("JOIN", "Call us for help", "opt out"),
        ("JOIN", "{brand} {first_name}: Reply STOP to opt out", "only use"),
        ("JOIN", "{brand: Reply STOP to opt out", "help_text"),
    ],
)
def test_settings_are_checked(join: str, help_text: str, problem: str | None) -> None:
    found = settings_problem(join, help_text)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_compliance_config_keys() -> None:
    config = parse_config(
        {
            "compliance": {
                "join_keyword": "deals",
                "help_text": "{brand}: help at shop.example. Reply STOP to opt out.",
                "auto_reply_limit": 3,
                "auto_reply_window_minutes": 30,
            }
        }
    )
    policy = policy_for(config.compliance)
    assert (policy.join_keyword, policy.safety.reply_limit) == ("deals", 3)
    assert policy.safety.reply_window.total_seconds() == 1800
    for bad in (
        {"join_keyword": "STOP"},
        {"help_text": "no opt-out info"},
        {"auto_reply_limit": 0},
    ):
        with pytest.raises(ConfigError):
            parse_config({"compliance": bad})

"""Grapheme cluster segmentation (the subset of UAX #29 that SMS splitting needs)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modembridge.sms import clusters
from modembridge.sms.graphemes import cluster_spans

FAMILY = "👨\u200d👩\u200d👧\u200d👦"
RAINBOW = "🏳\ufe0f\u200d🌈"
SCOTLAND = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
KEYCAP = "1\ufe0f\u20e3"
THUMB = "👍🏽"
HEART = "❤\ufe0f"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("abc", ["a", "b", "c"]),
        ("a\r\nb", ["a", "\r\n", "b"]),
        ("\n\r", ["\n", "\r"]),
        ("e\u0301", ["e\u0301"]),
        ("a\u0308\u0301b", ["a\u0308\u0301", "b"]),
        ("\n\u0301", ["\n", "\u0301"]),  # a mark after a control starts its own cluster
        ("🇺🇸🇬🇧", ["🇺🇸", "🇬🇧"]),
        ("🇺🇸🇬", ["🇺🇸", "🇬"]),
        ("x🇺🇸", ["x", "🇺🇸"]),
        (FAMILY, [FAMILY]),
        (FAMILY + FAMILY, [FAMILY, FAMILY]),
        (RAINBOW + "!", [RAINBOW, "!"]),
        (SCOTLAND + "a", [SCOTLAND, "a"]),
        (KEYCAP + KEYCAP, [KEYCAP, KEYCAP]),
        (THUMB + THUMB, [THUMB, THUMB]),
        ("👩🏽\u200d💻x", ["👩🏽\u200d💻", "x"]),
        (HEART + "a", [HEART, "a"]),
        ("a\u200db", ["a\u200d", "b"]),  # ZWJ joins pictographs only
        ("한국어", ["한", "국", "어"]),
        ("\u1100\u1161\u11a8", ["\u1100\u1161\u11a8"]),
        ("नमस्ते", ["न", "म", "स्ते"]),  # GB9c: consonant + virama + consonant
        ("क्षि", ["क्षि"]),
        ("স্ত্রী", ["স্ত্রী"]),
        ("\u0600" + "12", ["\u06001", "2"]),  # prepended concatenation mark
        ("กำ", ["กำ"]),  # Thai SARA AM is a spacing mark
        ("\u1000\u102b", ["\u1000", "\u102b"]),  # Mc excluded from SpacingMark
        ("ok👍\u200d", ["o", "k", "👍\u200d"]),
    ],
)
def test_clusters(text: str, expected: list[str]) -> None:
    assert clusters(text) == expected


@settings(deadline=None)
@given(st.text())
def test_spans_cover_text(text: str) -> None:
    spans = cluster_spans(text)
    pos = 0
    for start, end in spans:
        assert start == pos
        assert end > start
        pos = end
    assert pos == len(text)


@settings(deadline=None)
@given(st.lists(st.sampled_from([FAMILY, RAINBOW, SCOTLAND, KEYCAP, THUMB, HEART, "🇫🇷", "é", "a"])))
def test_emoji_sequences_stay_whole(items: list[str]) -> None:
    text = "".join(items)
    assert clusters(text) == items

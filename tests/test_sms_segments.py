"""Segment planning: alphabet choice, part sizes and safe split points."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modembridge.sms import Encoding, TextError, clusters, plan_segments
from modembridge.sms.gsm7 import BASIC_TABLE, EXTENSION_TABLE
from modembridge.sms.segments import text_units

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # 11 UTF-16 units
FLAG = "🇺🇸"  # 4 UTF-16 units
CYR = "ж"  # UCS-2, one unit


def test_empty_text_has_no_parts() -> None:
    plan = plan_segments("")
    assert plan.parts == ()
    assert plan.part_count == 0
    assert plan.encoding is Encoding.GSM7
    assert (plan.units_per_part, plan.units_used_last, plan.units_left) == (160, 0, 160)


@pytest.mark.parametrize(
    ("length", "parts", "per_part", "last"),
    [(1, 1, 160, 1), (160, 1, 160, 160), (161, 2, 153, 8), (306, 2, 153, 153), (307, 3, 153, 1)],
)
def test_gsm7_boundaries(length: int, parts: int, per_part: int, last: int) -> None:
    plan = plan_segments("a" * length)
    assert plan.encoding is Encoding.GSM7
    assert len(plan.parts) == parts
    assert plan.units_per_part == per_part
    assert plan.units_used_last == last
    assert plan.units_left == per_part - last
    assert plan.ucs2_forcing_chars == ()


@pytest.mark.parametrize(("length", "parts", "last"), [(304, 2, 152), (305, 3, 1)])
def test_gsm7_16bit_concat(length: int, parts: int, last: int) -> None:
    plan = plan_segments("a" * length, concat_16bit=True)
    assert (len(plan.parts), plan.units_per_part, plan.units_used_last) == (parts, 152, last)


@pytest.mark.parametrize(
    ("length", "parts", "per_part", "last"),
    [(70, 1, 70, 70), (71, 2, 67, 4), (134, 2, 67, 67), (135, 3, 67, 1)],
)
def test_ucs2_boundaries(length: int, parts: int, per_part: int, last: int) -> None:
    plan = plan_segments(CYR * length)
    assert plan.encoding is Encoding.UCS2
    assert (len(plan.parts), plan.units_per_part, plan.units_used_last) == (parts, per_part, last)
    assert plan.ucs2_forcing_chars == (CYR,)


def test_ucs2_16bit_concat() -> None:
    plan = plan_segments(CYR * 133, concat_16bit=True)
    assert [len(p) for p in plan.parts] == [66, 66, 1]


def test_extension_chars_count_two() -> None:
    assert plan_segments("€" * 80).part_count == 1
    plan = plan_segments("€" * 81)
    assert plan.part_count == 2
    assert [text_units(p, Encoding.GSM7) for p in plan.parts] == [152, 10]  # 76 + 5 ESC pairs


def test_esc_pair_at_boundary_moves_whole() -> None:
    assert plan_segments("a" * 158 + "€").part_count == 1
    text = "a" * 152 + "€" + "b" * 10
    plan = plan_segments(text)
    assert plan.parts == ("a" * 152, "€" + "b" * 10)
    assert plan.units_used_last == 12


def test_surrogate_pair_at_boundary_moves_whole() -> None:
    assert plan_segments(CYR * 68 + "😀").part_count == 1
    assert plan_segments(CYR * 69 + "😀").part_count == 2
    plan = plan_segments(CYR * 66 + "😀" + CYR * 5)
    assert plan.parts == (CYR * 66, "😀" + CYR * 5)
    assert plan.units_used_last == 7


@pytest.mark.parametrize("cluster", [FLAG, FAMILY, "👍🏽", "1\ufe0f\u20e3", "e\u0301\u0302"])
def test_cluster_at_boundary_moves_whole(cluster: str) -> None:
    text = CYR * 65 + cluster + CYR * 10
    plan = plan_segments(text)
    assert plan.parts[0] == CYR * 65
    assert plan.parts[1].startswith(cluster)
    assert "".join(plan.parts) == text


def test_oversized_cluster_is_cut_between_code_points() -> None:
    text = "x" + "e" + "\u0301" * 100 + "y"
    plan = plan_segments(text)
    assert "".join(plan.parts) == text
    assert plan.parts[0] == "x"  # the long cluster starts a fresh part
    assert all(text_units(p, Encoding.UCS2) <= 67 for p in plan.parts)
    zwj_chain = "\u200d".join(["👩"] * 40)  # one ZWJ cluster of 119 units
    plan = plan_segments(zwj_chain)
    assert "".join(plan.parts) == zwj_chain
    for part in plan.parts:
        assert text_units(part, Encoding.UCS2) <= 67
        part.encode("utf-16-be")  # no lone surrogate at a cut


def test_forcing_chars_and_force_ucs2() -> None:
    plan = plan_segments("Ça va? ça va… ’")
    assert plan.encoding is Encoding.UCS2
    assert plan.ucs2_forcing_chars == ("ç", "…", "’")
    forced = plan_segments("hello", force_ucs2=True)
    assert forced.encoding is Encoding.UCS2
    assert forced.ucs2_forcing_chars == ()
    assert forced.units_left == 65


def test_lone_surrogate_rejected() -> None:
    with pytest.raises(TextError, match="surrogate"):
        plan_segments("abc\ud83d")


def test_too_many_parts() -> None:
    assert plan_segments("a" * 153 * 255).part_count == 255
    with pytest.raises(TextError, match="255"):
        plan_segments("a" * (153 * 255 + 1))


def test_emoji_text_500_chars() -> None:
    text = ("Grüße 👨\u200d👩\u200d👧 🇩🇪🇫🇷 👍🏿 ok " * 30)[:500]
    plan = plan_segments(text)
    assert plan.encoding is Encoding.UCS2
    assert "".join(plan.parts) == text
    assert all(text_units(p, Encoding.UCS2) <= 67 for p in plan.parts)


def _check_plan(text: str, concat_16bit: bool) -> None:
    plan = plan_segments(text, concat_16bit=concat_16bit)
    assert "".join(plan.parts) == text
    assert all(plan.parts)
    units = [text_units(p, plan.encoding) for p in plan.parts]
    assert all(u <= plan.units_per_part for u in units)
    if plan.parts:
        assert plan.units_used_last == units[-1]
        assert plan.units_left == plan.units_per_part - units[-1]
    # Every cut is a cluster boundary unless a cluster is longer than a whole part.
    spans = clusters(text)
    if all(text_units(c, plan.encoding) <= plan.units_per_part for c in spans):
        boundaries = set()
        pos = 0
        for c in spans:
            pos += len(c)
            boundaries.add(pos)
        pos = 0
        for part in plan.parts[:-1]:
            pos += len(part)
            assert pos in boundaries
    # Greedy: the next part's first cluster would not have fitted into the previous part.
    for nxt, used in zip(plan.parts[1:], units, strict=False):
        first = clusters(nxt)[0]
        assert used + text_units(first, plan.encoding) > plan.units_per_part


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600), st.booleans())
def test_plan_property_any_text(text: str, concat_16bit: bool) -> None:
    _check_plan(text, concat_16bit)


_GSM = sorted(set(BASIC_TABLE) - {"\x1b"}) + sorted(EXTENSION_TABLE) * 3


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(_GSM), max_size=700), st.booleans())
def test_plan_property_gsm7(text: str, concat_16bit: bool) -> None:
    _check_plan(text, concat_16bit)


_EMOJI = st.sampled_from([FAMILY, FLAG, "👍🏽", "😀", "e\u0301", "ж", "a", " ", "\r\n", "€"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_EMOJI, max_size=300))
def test_plan_property_emoji(items: list[str]) -> None:
    _check_plan("".join(items), False)

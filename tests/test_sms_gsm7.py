"""GSM-7 alphabet tables, septet packing and UCS-2 helpers."""

from __future__ import annotations

import warnings

from hypothesis import given, settings
from hypothesis import strategies as st

from modembridge.sms import is_gsm7
from modembridge.sms.gsm7 import (
    BASIC_TABLE,
    ESC,
    EXTENSION_TABLE,
    decode_septets,
    encode_septets,
    non_gsm7_chars,
    pack_septets,
    septets_needed,
    unpack_septets,
)
from modembridge.sms.ucs2 import decode_ucs2, encode_ucs2, has_lone_surrogate, utf16_units

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import gsmmodem.pdu as gsm_pdu


def test_basic_table_shape() -> None:
    assert len(BASIC_TABLE) == 128
    assert len(set(BASIC_TABLE)) == 128
    assert BASIC_TABLE[0x00] == "@"
    assert BASIC_TABLE[0x1B] == "\x1b"
    assert BASIC_TABLE[0x5F] == "§"
    assert BASIC_TABLE[0x60] == "¿"
    assert BASIC_TABLE[0x24] == "¤"
    assert BASIC_TABLE[0x09] == "Ç"


def test_extension_table() -> None:
    assert set(EXTENSION_TABLE) == set("\f^{}\\[~]|€")
    assert EXTENSION_TABLE["€"] == 0x65
    for ch, code in EXTENSION_TABLE.items():
        assert encode_septets(ch) == [ESC, code]
        assert septets_needed(ch) == 2
        assert decode_septets([ESC, code]) == ch


def test_is_gsm7() -> None:
    assert is_gsm7("")
    assert is_gsm7("Hello @£$¥ èéùìò ÄÖÑÜ äöñüà ΔΦΓΛΩΠΨΣΘΞ ¡¿ §")
    assert is_gsm7("{curly} [square] ~tilde~ |pipe| ^caret \\ €uro \f")
    for ch in "çáíóúâêîôû`‘’“”–…\u00a0\x1b\t😀ж":
        assert not is_gsm7(ch), ch
        assert not is_gsm7("abc" + ch)


def test_non_gsm7_chars_distinct_in_order() -> None:
    assert non_gsm7_chars("ç abc ’ ç ’ x") == ("ç", "’")
    assert non_gsm7_chars("plain") == ()


def test_hellohello_packing() -> None:
    septets = encode_septets("hellohello")
    assert bytes(pack_septets(septets)).hex().upper() == "E8329BFD4697D9EC37"
    assert decode_septets(unpack_septets(bytes.fromhex("E8329BFD4697D9EC37"), 10)) == "hellohello"


def test_pack_with_skip_leaves_room_for_udh() -> None:
    # 7 skipped septets = 49 bits: six zero octets then the text starts after one fill bit.
    packed = pack_septets([0x41], skip_septets=7)
    assert packed[:6] == bytes(6)
    assert unpack_septets(packed, 8)[7] == 0x41


def test_decode_unknown_escape_and_trailing_escape() -> None:
    assert decode_septets([ESC, 0x41]) == "A"  # unknown extension -> basic character
    assert decode_septets([0x41, ESC]) == "A"  # trailing lone ESC dropped
    assert decode_septets([ESC, ESC, 0x41]) == " A"


@settings(deadline=None)
@given(st.lists(st.integers(0, 127), max_size=200), st.integers(0, 16))
def test_pack_unpack_round_trip(septets: list[int], skip: int) -> None:
    packed = pack_septets(septets, skip_septets=skip)
    assert len(packed) == ((skip + len(septets)) * 7 + 7) // 8
    assert unpack_septets(packed, skip + len(septets))[skip:] == septets


@settings(deadline=None)
@given(st.lists(st.integers(0, 127), min_size=1, max_size=200))
def test_packing_matches_gsmmodem(septets: list[int]) -> None:
    ours = bytes(pack_septets(septets))
    assert ours == bytes(gsm_pdu.packSeptets(bytearray(septets)))
    assert list(gsm_pdu.unpackSeptets(bytearray(ours), len(septets))) == septets


gsm7_text = st.text(
    alphabet=st.sampled_from(sorted(set(BASIC_TABLE) - {"\x1b"} | set(EXTENSION_TABLE)))
)


@settings(deadline=None)
@given(gsm7_text)
def test_encode_decode_septets_round_trip(text: str) -> None:
    assert is_gsm7(text)
    septets = encode_septets(text)
    assert len(septets) == septets_needed(text)
    assert decode_septets(septets) == text


def test_ucs2_helpers() -> None:
    assert utf16_units("abc") == 3
    assert utf16_units("a😀") == 3
    assert encode_ucs2("😀") == bytes.fromhex("D83DDE00")
    assert decode_ucs2(bytes.fromhex("D83DDE00")) == "😀"
    assert decode_ucs2(bytes.fromhex("D83D0041")) == "\ufffdA"  # lone high surrogate
    assert decode_ucs2(bytes.fromhex("004100")) == "A\ufffd"  # odd trailing octet
    assert has_lone_surrogate("a\ud83d")
    assert not has_lone_surrogate("a😀")


@settings(deadline=None)
@given(st.text())
def test_ucs2_round_trip(text: str) -> None:
    data = encode_ucs2(text)
    assert len(data) == 2 * utf16_units(text)
    assert decode_ucs2(data) == text

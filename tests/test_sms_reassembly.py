"""Reassembler and combine_parts: order, duplicates, expiry, surrogates split across parts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modembridge.sms import (
    Deliver,
    PduError,
    Reassembler,
    combine_parts,
    decode_pdu,
    encode_deliver_pdus,
)
from modembridge.sms.address import encode_address, encode_smsc
from modembridge.sms.timestamps import encode_scts

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
TIMEOUT = timedelta(minutes=10)


def parts_of(text: str, *, sender: str = "+15550001111", reference: int = 1) -> list[Deliver]:
    out = []
    for i, pdu in enumerate(encode_deliver_pdus(sender, text, timestamp=T0, reference=reference)):
        # distinct SC timestamps per part, like a real network
        decoded = decode_pdu(pdu)
        assert isinstance(decoded, Deliver)
        out.append(decoded if i == 0 else _with_time(decoded, T0 + timedelta(seconds=i)))
    return out


def _with_time(part: Deliver, when: datetime) -> Deliver:
    from dataclasses import replace

    return replace(part, timestamp=when)


LONG = "".join(f"{i:03d} " for i in range(100))  # 400 chars -> 3 parts


def test_single_part_returned_at_once() -> None:
    r = Reassembler(TIMEOUT)
    (part,) = parts_of("hi")
    msg = r.add(part, T0)
    assert msg is not None
    assert (msg.text, msg.parts_received, msg.parts_total, msg.complete) == ("hi", 1, 1, True)
    assert msg.missing == ()
    assert msg.pdus == (part.pdu,)
    assert msg.sender == "+15550001111"
    assert msg.sender_type == "international"
    assert r.pending == 0


def test_in_order() -> None:
    r = Reassembler(TIMEOUT)
    parts = parts_of(LONG)
    assert len(parts) == 3
    assert r.add(parts[0], T0) is None
    assert r.add(parts[1], T0) is None
    assert r.pending == 1
    msg = r.add(parts[2], T0)
    assert msg is not None and msg.complete
    assert msg.text == LONG
    assert msg.pdus == tuple(p.pdu for p in parts)
    assert msg.first_timestamp == T0
    assert msg.concat_reference == 1
    assert r.pending == 0


def test_out_of_order_and_duplicates() -> None:
    r = Reassembler(TIMEOUT)
    p1, p2, p3 = parts_of(LONG)
    assert r.add(p3, T0) is None
    assert r.add(p3, T0) is None
    assert r.add(p1, T0) is None
    assert r.add(p1, T0) is None
    msg = r.add(p2, T0)
    assert msg is not None
    assert msg.text == LONG
    assert msg.parts_received == 3
    # a late duplicate of a completed message does not start a new one
    assert r.add(p2, T0 + timedelta(minutes=1)) is None
    assert r.pending == 0
    assert r.expire(T0 + timedelta(hours=1)) == []


def test_same_reference_different_senders_are_separate() -> None:
    r = Reassembler(TIMEOUT)
    a = parts_of(LONG, sender="+111")
    b = parts_of(LONG.upper(), sender="+222")
    for x, y in zip(a[:-1], b[:-1], strict=True):
        assert r.add(x, T0) is None
        assert r.add(y, T0) is None
    assert r.pending == 2
    ma = r.add(a[-1], T0)
    mb = r.add(b[-1], T0)
    assert ma is not None and mb is not None
    assert (ma.sender, ma.text) == ("+111", LONG)
    assert (mb.sender, mb.text) == ("+222", LONG.upper())


def test_expire_incomplete() -> None:
    r = Reassembler(TIMEOUT)
    p1, _p2, p3 = parts_of(LONG)
    assert r.add(p3, T0) is None
    assert r.add(p1, T0 + timedelta(minutes=5)) is None
    assert r.expire(T0 + timedelta(minutes=9)) == []
    (msg,) = r.expire(T0 + TIMEOUT)
    assert not msg.complete
    assert msg.missing == (2,)
    assert (msg.parts_received, msg.parts_total) == (2, 3)
    assert msg.text == p1.text + p3.text
    assert msg.pdus == (p1.pdu, p3.pdu)
    assert msg.first_timestamp == T0
    assert r.pending == 0
    assert r.expire(T0 + timedelta(days=1)) == []


def test_expire_oldest_first_and_only_stale() -> None:
    r = Reassembler(TIMEOUT)
    a = parts_of(LONG, reference=1)
    b = parts_of(LONG, reference=2)
    c = parts_of(LONG, reference=3)
    r.add(b[0], T0 + timedelta(minutes=1))
    r.add(a[0], T0)
    r.add(c[0], T0 + timedelta(minutes=30))
    expired = r.expire(T0 + timedelta(minutes=20))
    assert [m.concat_reference for m in expired] == [1, 2]
    assert r.pending == 1


def test_combine_parts() -> None:
    p1, p2, p3 = parts_of(LONG)
    msg = combine_parts([p3, p1, p2, p1])
    assert msg.complete and msg.text == LONG and msg.parts_received == 3
    partial = combine_parts([p3, p1])
    assert partial.missing == (2,)
    assert partial.text == p1.text + p3.text
    assert combine_parts([p2]).first_timestamp == p2.timestamp
    with pytest.raises(PduError):
        combine_parts([])
    with pytest.raises(PduError, match="different"):
        combine_parts([p1, parts_of(LONG, reference=2)[1]])
    (single,) = parts_of("x")
    with pytest.raises(PduError):
        combine_parts([single, single])


def _raw_ucs2_part(payload: bytes, seq: int, total: int) -> Deliver:
    udh = bytes([5, 0, 3, 0x42, total, seq])
    ud = udh + payload
    tpdu = (
        bytes([0x44])
        + encode_address("+15550001111")
        + bytes([0, 0x08])
        + encode_scts(T0)
        + bytes([len(ud)])
        + ud
    )
    decoded = decode_pdu((encode_smsc("+1555") + tpdu).hex())
    assert isinstance(decoded, Deliver)
    return decoded


def test_surrogate_pair_split_across_parts_is_rejoined() -> None:
    emoji = "😀".encode("utf-16-be")
    first = _raw_ucs2_part("ab".encode("utf-16-be") + emoji[:2], 1, 2)
    second = _raw_ucs2_part(emoji[2:] + "cd".encode("utf-16-be"), 2, 2)
    assert first.text == "ab\ufffd"
    assert second.text == "\ufffdcd"
    r = Reassembler(TIMEOUT)
    assert r.add(second, T0) is None
    msg = r.add(first, T0)
    assert msg is not None
    assert msg.text == "ab😀cd"
    # with the middle part missing, halves are not glued across the gap
    third = _raw_ucs2_part(emoji[2:], 3, 3)
    lone = _raw_ucs2_part("ab".encode("utf-16-be") + emoji[:2], 1, 3)
    assert combine_parts([lone, third]).text == "ab\ufffd\ufffd"


@settings(max_examples=60, deadline=None)
@given(
    st.text(min_size=1, max_size=500),
    st.randoms(use_true_random=False),
    st.integers(0, 3),
)
def test_any_order_with_duplicates(text: str, rnd: object, dups: int) -> None:
    import random

    assert isinstance(rnd, random.Random)
    parts = parts_of(text, reference=7)
    if len(parts) == 1:
        dups = 0  # single parts pass straight through (the store dedupes those by PDU)
    feed = parts + [rnd.choice(parts) for _ in range(dups)]
    rnd.shuffle(feed)
    r = Reassembler(TIMEOUT)
    results = [m for m in (r.add(p, T0) for p in feed) if m is not None]
    assert len(results) == 1
    assert results[0].text == text
    assert results[0].complete
    assert r.pending == 0

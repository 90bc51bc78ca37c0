"""encode_deliver_pdus / encode_status_report (for the simulator): round trips and validation."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modembridge.sms import (
    ConcatInfo,
    Deliver,
    Encoding,
    PduError,
    StatusReport,
    TextError,
    combine_parts,
    decode_pdu,
    encode_deliver_pdus,
    encode_status_report,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import gsmmodem.pdu as gsm_pdu

WHEN = datetime(2025, 11, 27, 19, 30, 5, tzinfo=timezone(timedelta(hours=1)))


def _decode_all(pdus: list[str]) -> list[Deliver]:
    out = []
    for pdu in pdus:
        decoded = decode_pdu(pdu)
        assert isinstance(decoded, Deliver)
        out.append(decoded)
    return out


TEXTS = [
    "hello",
    "Use code {WARM30} for 30% off ~ today only | €5 [min] ^_^ \\o/",
    "Grüße, ça va? Olá — ñ",
    "Family 👨\u200d👩\u200d👧\u200d👦, flags 🇺🇸🇩🇪, skin 👍🏻👍🏿, keycap 1️⃣",
    ("GSM only text that is long enough to need several parts. " * 10)[:500],
    ("Emoji 😀 text 🇯🇵 with 👩🏽\u200d💻 many parts ç. " * 15)[:500],
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("concat_16bit", [False, True])
def test_round_trip(text: str, concat_16bit: bool) -> None:
    pdus = encode_deliver_pdus(
        "+15550001111",
        text,
        timestamp=WHEN,
        reference=300 if concat_16bit else 44,
        concat_16bit=concat_16bit,
    )
    parts = _decode_all(pdus)
    assert "".join(p.text for p in parts) == text
    for seq, part in enumerate(parts, start=1):
        assert part.sender == "+15550001111"
        assert part.sender_type == "international"
        assert part.smsc == "+15550000000"
        assert part.timestamp == WHEN
        assert part.timestamp.utcoffset() == timedelta(hours=1)
        assert part.pdu == pdus[seq - 1]
        assert not part.flash
        if len(parts) > 1:
            bits = 16 if concat_16bit else 8
            assert part.concat == ConcatInfo(300 if concat_16bit else 44, len(parts), seq, bits)
            assert bytes.fromhex(part.pdu)[8] == 0x44  # MTI deliver, MMS, UDHI
        else:
            assert part.concat is None
            assert bytes.fromhex(part.pdu)[8] == 0x04
    assert combine_parts(parts[::-1]).text == text


def test_encoding_choice_and_flash() -> None:
    (gsm,) = _decode_all(encode_deliver_pdus("123", "plain", timestamp=WHEN, reference=0))
    assert gsm.encoding is Encoding.GSM7 and gsm.dcs == 0x00
    (ucs,) = _decode_all(
        encode_deliver_pdus("123", "plain", timestamp=WHEN, reference=0, force_ucs2=True)
    )
    assert ucs.encoding is Encoding.UCS2 and ucs.text == "plain"
    (flash,) = _decode_all(encode_deliver_pdus("123", "ç", timestamp=WHEN, reference=0, flash=True))
    assert flash.flash and flash.dcs == 0x18


@pytest.mark.parametrize(
    ("sender", "kind"),
    [
        ("+15550001111", "international"),
        ("5550001111", "unknown"),
        ("1", "unknown"),
        ("Amazon", "alphanumeric"),
        ("My Bank", "alphanumeric"),
        ("ABCDEFGHIJK", "alphanumeric"),
        ("Shop€", "alphanumeric"),  # ESC pair inside the address
        ("12345x", "alphanumeric"),
    ],
)
def test_senders(sender: str, kind: str) -> None:
    (d,) = _decode_all(encode_deliver_pdus(sender, "hi", timestamp=WHEN, reference=0))
    assert (d.sender, d.sender_type) == (sender, kind)


@pytest.mark.parametrize("sender", ["", "ABCDEFGHIJKL", "Çafé ç", "Shop€€€€€€", "+12ab", "+"])
def test_bad_senders(sender: str) -> None:
    with pytest.raises(PduError):
        encode_deliver_pdus(sender, "hi", timestamp=WHEN, reference=0)


def test_alphanumeric_sender_matches_gsmmodem() -> None:
    pdu = encode_deliver_pdus("InfoSMS", "Your code is 1234", timestamp=WHEN, reference=0)[0]
    decoded = gsm_pdu.decodeSmsPdu(pdu)
    assert decoded["number"] == "InfoSMS"
    assert decoded["text"] == "Your code is 1234"
    assert decoded["smsc"] == "+15550000000"
    assert decoded["time"].utcoffset() == timedelta(hours=1)
    assert decoded["time"].replace(tzinfo=None) == WHEN.replace(tzinfo=None)


def test_no_smsc() -> None:
    pdu = encode_deliver_pdus("+1555", "hi", timestamp=WHEN, reference=0, smsc="")[0]
    assert pdu.startswith("00")
    (d,) = _decode_all([pdu])
    assert d.smsc is None


def test_invalid_arguments() -> None:
    with pytest.raises(TextError):
        encode_deliver_pdus("+1555", "", timestamp=WHEN, reference=0)
    with pytest.raises(PduError, match="aware"):
        encode_deliver_pdus("+1555", "x", timestamp=datetime(2024, 1, 1), reference=0)
    odd = datetime(2024, 1, 1, tzinfo=timezone(timedelta(minutes=7)))
    with pytest.raises(PduError, match="quarter"):
        encode_deliver_pdus("+1555", "x", timestamp=odd, reference=0)
    with pytest.raises(PduError, match="year"):
        encode_deliver_pdus("+1555", "x", timestamp=datetime(2070, 1, 1, tzinfo=UTC), reference=0)
    with pytest.raises(PduError, match="reference"):
        encode_deliver_pdus("+1555", "x", timestamp=WHEN, reference=256)
    with pytest.raises(PduError, match="SMSC"):
        encode_deliver_pdus("+1555", "x", timestamp=WHEN, reference=0, smsc="smsc")


@settings(max_examples=100, deadline=None)
@given(
    st.text(min_size=1, max_size=400),
    st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2069, 12, 31),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-7)), timezone(timedelta(minutes=330))]
        ),
    ),
)
def test_round_trip_property(text: str, when: datetime) -> None:
    when = when.replace(microsecond=0)
    parts = _decode_all(encode_deliver_pdus("+4479", text, timestamp=when, reference=9))
    assert "".join(p.text for p in parts) == text
    assert all(p.timestamp == when for p in parts)
    assert combine_parts(parts).text == text


def test_status_report_layout_and_round_trip() -> None:
    ts = datetime(2024, 2, 29, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5)))
    dt = ts + timedelta(seconds=30)
    pdu = encode_status_report(9, "+15551234567", timestamp=ts, discharge_time=dt, status=0x00)
    data = bytes.fromhex(pdu)
    assert data[8] == 0x06  # MTI status report, MMS
    assert data[9] == 9
    sr = decode_pdu(pdu)
    assert isinstance(sr, StatusReport)
    assert (sr.recipient, sr.timestamp, sr.discharge_time, sr.outcome) == (
        "+15551234567",
        ts,
        dt,
        "delivered",
    )
    theirs = gsm_pdu.decodeSmsPdu(pdu)
    assert theirs["type"] == "SMS-STATUS-REPORT"
    assert (theirs["reference"], theirs["number"], theirs["status"]) == (9, "+15551234567", 0)


def test_status_report_validation() -> None:
    for status in (256, -1):
        with pytest.raises(PduError, match="status"):
            encode_status_report(1, "+1", timestamp=WHEN, discharge_time=WHEN, status=status)
    with pytest.raises(PduError, match="message_reference"):
        encode_status_report(256, "+1", timestamp=WHEN, discharge_time=WHEN, status=0)
    with pytest.raises(PduError, match="recipient"):
        encode_status_report(1, "Shop", timestamp=WHEN, discharge_time=WHEN, status=0)

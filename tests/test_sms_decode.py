"""decode_pdu: published PDUs, data coding groups, status reports, and malformed input."""

from __future__ import annotations

import contextlib
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
    Submit,
    decode_pdu,
    encode_deliver_pdus,
    encode_status_report,
    encode_submit_pdus,
)
from modembridge.sms.timestamps import encode_scts

CLASSIC = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37"
HOW_ARE_YOU = "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07"
SENDER = bytes.fromhex("0B915155214365F7")  # +15551234567
SCTS = encode_scts(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))


def raw_deliver(ud: bytes, udl: int, *, dcs: int = 0x00, first: int = 0x04) -> str:
    """A DELIVER with hand-made user data (no SMSC)."""
    return (b"\x00" + bytes([first]) + SENDER + bytes([0x00, dcs]) + SCTS + bytes([udl]) + ud).hex()


def _deliver(pdu: str, **kwargs: bool) -> Deliver:
    decoded = decode_pdu(pdu, **kwargs)
    assert isinstance(decoded, Deliver)
    return decoded


def test_classic_deliver() -> None:
    d = _deliver(CLASSIC)
    assert d.text == "hellohello"
    assert d.sender == "27838890001"
    assert d.sender_type == "unknown"  # TOA C8: subscriber number
    assert d.smsc == "+27381000015"
    assert d.timestamp == datetime(1999, 3, 29, 15, 16, 59, tzinfo=timezone(timedelta(hours=2)))
    assert d.timestamp.utcoffset() == timedelta(hours=2)
    assert d.encoding is Encoding.GSM7
    assert d.concat is None
    assert not d.flash
    assert d.pdu == CLASSIC


def test_how_are_you_and_case_and_whitespace() -> None:
    d = _deliver("  " + HOW_ARE_YOU.lower() + "\r\n")
    assert (d.sender, d.sender_type, d.text) == ("+31641600986", "international", "How are you?")
    assert d.smsc == "+31624000000"
    assert d.timestamp == datetime(2002, 8, 26, 19, 37, 41, tzinfo=UTC)
    assert d.pdu == HOW_ARE_YOU


def test_smsc_not_included() -> None:
    d = _deliver(CLASSIC[16:], smsc_included=False)
    assert d.text == "hellohello"
    assert d.smsc is None
    assert _deliver("00" + CLASSIC[16:]).smsc is None


def test_ucs2_emoji_deliver() -> None:
    payload = bytes.fromhex("D83DDE000021D83CDDFAD83CDDF8")
    pdu = raw_deliver(payload, len(payload), dcs=0x08)
    d = _deliver(pdu)
    assert d.text == "😀!🇺🇸"
    assert d.encoding is Encoding.UCS2
    assert d.ucs2_data == payload


def test_ucs2_lone_surrogate_and_odd_length_are_replaced() -> None:
    assert _deliver(raw_deliver(bytes.fromhex("0041D83D"), 4, dcs=0x08)).text == "A\ufffd"
    assert _deliver(raw_deliver(bytes.fromhex("004142"), 3, dcs=0x08)).text == "A\ufffd"


@pytest.mark.parametrize(
    ("dcs", "encoding", "flash"),
    [
        (0x00, Encoding.GSM7, False),
        (0x10, Encoding.GSM7, True),
        (0x11, Encoding.GSM7, False),
        (0x0C, Encoding.GSM7, False),  # reserved alphabet -> default alphabet
        (0x08, Encoding.UCS2, False),
        (0x18, Encoding.UCS2, True),
        (0x04, "8bit", False),
        (0x14, "8bit", True),
        (0x24, "8bit", False),  # compressed: reported as data
        (0x40, Encoding.GSM7, False),  # 01xx automatic deletion group
        (0x48, Encoding.UCS2, False),
        (0x58, Encoding.UCS2, True),
        (0x44, "8bit", False),
        (0xC0, Encoding.GSM7, False),  # MWI discard
        (0xD8, Encoding.GSM7, False),  # MWI store, GSM-7
        (0xE0, Encoding.UCS2, False),  # MWI store, UCS-2
        (0xF0, Encoding.GSM7, True),  # 1111: class 0
        (0xF1, Encoding.GSM7, False),
        (0xF4, "8bit", True),
        (0xF6, "8bit", False),
        (0x80, Encoding.GSM7, False),  # reserved group
    ],
)
def test_data_coding_groups(dcs: int, encoding: Encoding | str, flash: bool) -> None:
    if encoding == Encoding.UCS2:
        ud, udl, text = bytes.fromhex("00480069"), 4, "Hi"
    elif encoding == "8bit":
        ud, udl, text = bytes.fromhex("01FF7F"), 3, "01FF7F"
    else:
        ud, udl, text = bytes.fromhex("C834"), 2, "Hi"
    d = _deliver(raw_deliver(ud, udl, dcs=dcs))
    assert d.encoding == encoding
    assert d.text == text
    assert d.flash is flash
    assert d.dcs == dcs


def test_udh_with_other_elements_and_16bit_concat() -> None:
    # port addressing IE (05 04 ...) followed by a 16-bit concat IE, then UCS-2 "A"
    udh = bytes.fromhex("0C050423F40000080401020301")
    ud = udh + bytes.fromhex("0041")
    d = _deliver(raw_deliver(ud, len(ud), dcs=0x08, first=0x44))
    assert d.concat == ConcatInfo(reference=0x0102, total=3, sequence=1, bits=16)
    assert d.text == "A"


def test_concat_with_bad_sequence_is_ignored() -> None:
    for seq_total in ("0002", "0300", "0000"):
        ud = bytes.fromhex("05000301" + seq_total[2:] + seq_total[:2]) + bytes.fromhex("0041")
        d = _deliver(raw_deliver(ud, len(ud), dcs=0x08, first=0x44))
        assert d.concat is None
        assert d.text == "A"


def test_gsm7_with_udh_fill_bits_and_length_check() -> None:
    pdus = encode_deliver_pdus(
        "+15551234567", "x" * 170, timestamp=datetime(2024, 1, 1, tzinfo=UTC), reference=1
    )
    assert [_deliver(p).text for p in pdus] == ["x" * 153, "x" * 17]


def test_status_report_decode() -> None:
    ts = datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=-4)))
    dt = datetime(2024, 5, 1, 12, 0, 30, tzinfo=timezone(timedelta(hours=-4)))
    for status, outcome in [
        (0x00, "delivered"),
        (0x01, "delivered"),
        (0x1F, "delivered"),
        (0x20, "pending"),
        (0x30, "pending"),
        (0x3F, "pending"),
        (0x40, "failed"),
        (0x41, "failed"),
        (0x60, "failed"),
        (0x7F, "failed"),
        (0x80, "failed"),
        (0xFF, "failed"),
    ]:
        pdu = encode_status_report(
            200, "+15551234567", timestamp=ts, discharge_time=dt, status=status
        )
        sr = decode_pdu(pdu)
        assert isinstance(sr, StatusReport)
        assert (sr.message_reference, sr.recipient, sr.status) == (200, "+15551234567", status)
        assert sr.outcome == outcome
        assert sr.timestamp == ts and sr.discharge_time == dt
        assert sr.timestamp.utcoffset() == timedelta(hours=-4)
        assert sr.smsc == "+15550000000"
        assert sr.pdu == pdu


def test_status_report_with_optional_parameters() -> None:
    ts = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    pdu = encode_status_report(7, "5551234", timestamp=ts, discharge_time=ts, status=0x00)
    sr = decode_pdu(pdu + "0300000141")  # TP-PI with PID, DCS, UDL, UD
    assert isinstance(sr, StatusReport)
    assert (sr.message_reference, sr.recipient, sr.outcome) == (7, "5551234", "delivered")


def test_submit_with_absolute_validity() -> None:
    (pdu,) = encode_submit_pdus("+15551234567", "abs", reference=0, request_status_report=False)
    data = bytearray.fromhex(pdu.hex)
    data[1] |= 0x18  # VPF absolute
    udl_pos = 13
    data[udl_pos:udl_pos] = SCTS
    decoded = decode_pdu(data.hex())
    assert isinstance(decoded, Submit)
    assert decoded.text == "abs"
    assert decoded.validity_minutes is None


@pytest.mark.parametrize(
    ("pdu", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("0", "odd"),
        ("0G", "hex"),
        ("00 11", "hex"),
        ("0x00", "hex"),
        ("00", "truncated"),
        ("0003", "reserved"),
        ("07917283010010", "truncated"),
        (CLASSIC[:-2], "truncated"),
        (CLASSIC[:-20] + "FF" + CLASSIC[-18:], "truncated"),  # UDL 255
    ],
)
def test_malformed(pdu: str, message: str) -> None:
    with pytest.raises(PduError, match=message):
        decode_pdu(pdu)


@pytest.mark.parametrize("value", [None, b"0011", 17, ["00"]])
def test_non_string_input(value: object) -> None:
    with pytest.raises(PduError):
        decode_pdu(value)  # type: ignore[arg-type]


def test_every_prefix_of_valid_pdus_raises_pdu_error() -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    samples = [
        CLASSIC,
        HOW_ARE_YOU,
        *encode_deliver_pdus("Amazon", "x" * 200, timestamp=when, reference=3),
        *encode_deliver_pdus("+4479", "😀" * 40, timestamp=when, reference=3, concat_16bit=True),
        encode_status_report(1, "+15551234567", timestamp=when, discharge_time=when, status=0),
        *(p.hex for p in encode_submit_pdus("+15551234567", "y" * 170, reference=1)),
        encode_submit_pdus("123", "v", reference=1, validity_minutes=60)[0].hex,
    ]
    for pdu in samples:
        decode_pdu(pdu)
        for cut in range(0, len(pdu) - 1, 2):
            with pytest.raises(PduError):
                decode_pdu(pdu[:cut])


def test_bad_udh_lengths() -> None:
    cases = [
        (bytes.fromhex("0A000301020100"), 7),  # UDHL beyond user data
        (bytes.fromhex("05000401020100"), 7),  # IE length runs past the UDH
        (bytes.fromhex("0400020102"), 5),  # concat IE with length 2
        (bytes.fromhex("0508030102010041"), 8),  # 16-bit concat IE with length 3
        (bytes.fromhex("01000041"), 4),  # IE header cut by the UDH end
        (b"", 0),  # UDHI with empty user data
    ]
    for ud, udl in cases:
        with pytest.raises(PduError, match="UDH"):
            decode_pdu(raw_deliver(ud, udl, dcs=0x08, first=0x44))
    # GSM-7: a UDH longer than the septets announced by UDL
    with pytest.raises(PduError, match="UDH"):
        decode_pdu(raw_deliver(bytes.fromhex("050003010201"), 6, first=0x44))


@pytest.mark.parametrize(
    ("scts", "message"),
    [
        ("42311021000000", "timestamp"),  # month 13
        ("42200321000000", "timestamp"),  # 30 February
        ("42101042000000", "timestamp"),  # hour 24
        ("42101021000600", "timestamp"),  # second 60
        ("A2101021000000", "timestamp"),  # non-decimal year digit
        ("421010210000A0", "timezone"),  # non-decimal timezone digit
    ],
)
def test_invalid_dates(scts: str, message: str) -> None:
    pdu = "00" + "04" + SENDER.hex() + "0000" + scts + "0141"
    with pytest.raises(PduError, match=message):
        decode_pdu(pdu)


def test_timezones() -> None:
    for minutes in (0, 60, -60, 345, -570, 14 * 60, -12 * 60, 15, -15):
        tz = timezone(timedelta(minutes=minutes))
        when = datetime(2031, 12, 31, 23, 59, 58, tzinfo=tz)
        d = _deliver(encode_deliver_pdus("1", "x", timestamp=when, reference=0)[0])
        assert d.timestamp == when
        assert d.timestamp.utcoffset() == timedelta(minutes=minutes)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200), st.booleans())
def test_random_bytes_only_raise_pdu_error(data: bytes, smsc: bool) -> None:
    with contextlib.suppress(PduError):
        decode_pdu(data.hex(), smsc_included=smsc)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_random_text_only_raises_pdu_error(text: str) -> None:
    with contextlib.suppress(PduError):
        decode_pdu(text)


_VALID = [
    CLASSIC,
    HOW_ARE_YOU,
    *encode_deliver_pdus("Shop", "ç" * 80, timestamp=datetime(2024, 1, 1, tzinfo=UTC), reference=1),
    *(p.hex for p in encode_submit_pdus("+15551234567", "€" * 100, reference=5)),
    encode_status_report(
        1,
        "+1",
        timestamp=datetime(2024, 1, 1, tzinfo=UTC),
        discharge_time=datetime(2024, 1, 1, tzinfo=UTC),
        status=0x41,
    ),
]


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(_VALID),
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), min_size=1, max_size=4),
    st.integers(0, 40),
)
def test_mutated_pdus_only_raise_pdu_error(
    pdu: str, flips: list[tuple[int, int]], chop: int
) -> None:
    data = bytearray.fromhex(pdu)
    for pos, value in flips:
        data[pos % len(data)] = value
    if chop:
        data = data[:-chop] or data[:1]
    with contextlib.suppress(PduError):
        decode_pdu(data.hex())


@pytest.mark.parametrize(
    ("address", "sender", "kind"),
    [
        ("0B915155214365F7", "+15551234567", "international"),
        ("0AA11017325476", "0171234567", "national"),
        ("0A811017325476", "0171234567", "unknown"),
        ("04C83412", "4321", "unknown"),
        ("0BD0C17658FF7603", "Amazon", "alphanumeric"),
        ("0B51C17658FF7603", "Amazon", "alphanumeric"),  # TON 5 without the extension bit
        ("0491A1BC", "+1*a#", "international"),  # semi-octets A-C, '*', '#'
    ],
)
def test_address_types(address: str, sender: str, kind: str) -> None:
    pdu = "00" + "04" + address + "0000" + SCTS.hex() + "0141"
    d = _deliver(pdu)
    assert (d.sender, d.sender_type, d.text) == (sender, kind, "A")

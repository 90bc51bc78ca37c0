"""Command builders (validation, no injection) and response parsers (several vendors)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modembridge.at import (
    CnmiSupport,
    Registration,
    StoredPdu,
    choose_cnmi,
    cmgd,
    cmgl,
    cmgr,
    cmgs,
    cpin,
    cpin_puk,
    cpms,
    cusd,
    parse_cdsi,
    parse_cmgl,
    parse_cmgr,
    parse_cmgs,
    parse_cmti,
    parse_cnmi_test,
    parse_cops,
    parse_cpin,
    parse_cpms,
    parse_creg,
    parse_csca,
    parse_csq,
    parse_cusd,
    parse_identity,
    quote,
    response_prefix,
    rssi_to_dbm,
)

PDU = "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07"

# -- builders --------------------------------------------------------------------------------


def test_quote_plain() -> None:
    assert quote("SM") == '"SM"'
    assert quote("") == '""'
    assert quote("+15551234567") == '"+15551234567"'


@pytest.mark.parametrize(
    "evil",
    [
        'SM"',
        '1234",AT+CMGD=1,4',
        "1234\rAT+CMGD=1,4",
        "1234\nAT",
        "text\x1a",
        "\x1b",
        "a\x00b",
        "tab\there",
        "del\x7f",
        "caf\u00e9",
    ],
)
def test_quote_rejects_injection(evil: str) -> None:
    with pytest.raises(ValueError):
        quote(evil)


@given(st.text(max_size=30))
def test_quote_output_is_always_one_safe_parameter(value: str) -> None:
    try:
        quoted = quote(value)
    except ValueError:
        return
    inner = quoted[1:-1]
    assert quoted == f'"{inner}"'
    assert '"' not in inner
    assert all(0x20 <= ord(ch) < 0x7F for ch in inner)


def test_cmgs() -> None:
    assert cmgs(23) == "AT+CMGS=23"
    assert cmgs(1) == "AT+CMGS=1"
    assert cmgs(255) == "AT+CMGS=255"
    for bad in (0, 256, -1):
        with pytest.raises(ValueError, match="tpdu_length"):
            cmgs(bad)
    with pytest.raises(ValueError):
        cmgs(True)
    with pytest.raises(ValueError):
        cmgs("23")  # type: ignore[arg-type]


def test_cmgd() -> None:
    assert cmgd(3) == "AT+CMGD=3"
    assert cmgd(0, 0) == "AT+CMGD=0,0"
    assert cmgd(1, 4) == "AT+CMGD=1,4"
    for index, flag in ((-1, None), (1, 5), (1, -1)):
        with pytest.raises(ValueError):
            cmgd(index, flag)


def test_cmgr_and_cmgl() -> None:
    assert cmgr(0) == "AT+CMGR=0"
    assert cmgl() == "AT+CMGL=4"
    assert cmgl(0) == "AT+CMGL=0"
    with pytest.raises(ValueError):
        cmgr(-1)
    with pytest.raises(ValueError):
        cmgl(5)


def test_cpin() -> None:
    assert cpin("1234") == 'AT+CPIN="1234"'
    assert cpin("12345678") == 'AT+CPIN="12345678"'
    for bad in ("123", "123456789", "12a4", '12"4', "1234\r", "١٢٣٤", ""):
        with pytest.raises(ValueError):
            cpin(bad)


def test_cpin_puk() -> None:
    assert cpin_puk("12345678", "0000") == 'AT+CPIN="12345678","0000"'
    with pytest.raises(ValueError, match="PUK"):
        cpin_puk("1234567", "0000")
    with pytest.raises(ValueError, match="PIN"):
        cpin_puk("12345678", "00")


def test_cpms_and_cusd() -> None:
    assert cpms("SM", "SM", "SM") == 'AT+CPMS="SM","SM","SM"'
    assert cpms("SM") == 'AT+CPMS="SM"'
    for bad in ((), ("SM", "SM", "SM", "SM"), ("XX",), ('SM"',)):
        with pytest.raises(ValueError):
            cpms(*bad)
    assert cusd("*100#") == 'AT+CUSD=1,"*100#",15'
    for request in ("", "*100#\r", '*1"#', "abc"):
        with pytest.raises(ValueError):
            cusd(request)


def test_response_prefix() -> None:
    assert response_prefix("AT+CREG?") == "+CREG"
    assert response_prefix("AT+CPIN?") == "+CPIN"
    assert response_prefix('AT+CUSD=1,"*100#"') == "+CUSD"
    assert response_prefix("at+cmgl=4") == "+CMGL"
    assert response_prefix("AT^SYSINFO") == "^SYSINFO"
    assert response_prefix("AT") is None
    assert response_prefix("ATI") is None
    assert response_prefix("ATE0") is None


# -- parsers ---------------------------------------------------------------------------------


def test_parse_csq_and_dbm() -> None:
    assert parse_csq("+CSQ: 18,99") == (18, 99)
    assert parse_csq("+CSQ:31,0") == (31, 0)
    assert parse_csq("99,99") == (99, 99)
    assert rssi_to_dbm(0) == -113
    assert rssi_to_dbm(18) == -77
    assert rssi_to_dbm(31) == -51
    assert rssi_to_dbm(99) is None
    for bad in (-1, 32, 98, 100):
        with pytest.raises(ValueError):
            rssi_to_dbm(bad)


@pytest.mark.parametrize("line", ["+CSQ: ", "+CSQ: 18", "+CSQ: a,b", "+CSQ: 18,", ""])
def test_parse_csq_malformed(line: str) -> None:
    with pytest.raises(ValueError):
        parse_csq(line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("+CREG: 0,1", Registration(1, "registered_home", None, None, 0, None)),
        ("+CREG: 1", Registration(1, "registered_home")),
        ("+CREG: 5", Registration(5, "registered_roaming")),
        ("+CREG: 0,2", Registration(2, "searching", n=0)),
        ("+CREG: 0,3", Registration(3, "denied", n=0)),
        ("+CREG: 0,0", Registration(0, "not_registered", n=0)),
        ("+CREG: 0,4", Registration(4, "unknown", n=0)),
        (
            '+CREG: 2,1,"1A2B","01C3D4E5"',
            Registration(1, "registered_home", "1A2B", "01C3D4E5", 2, None),
        ),
        (
            '+CREG: 2,5,"1a2b","01c3d4e5",7',
            Registration(5, "registered_roaming", "1A2B", "01C3D4E5", 2, 7),
        ),
        ('+CREG: 1,"1A2B","01C3D4E5"', Registration(1, "registered_home", "1A2B", "01C3D4E5")),
        (
            '+CGREG: 1,"1A2B","01C3D4E5",2',
            Registration(1, "registered_home", "1A2B", "01C3D4E5", None, 2),
        ),
        ("+CEREG: 0,1", Registration(1, "registered_home", n=0)),
        ("2,1,1A2B,01C3D4E5", Registration(1, "registered_home", "1A2B", "01C3D4E5", 2)),
        ("+CREG: 0,11", Registration(11, "unknown", n=0)),
        ("+CREG: 0,6", Registration(6, "registered_home", n=0)),
    ],
)
def test_parse_creg(line: str, expected: Registration) -> None:
    assert parse_creg(line) == expected


def test_registration_property() -> None:
    assert parse_creg("+CREG: 0,5").registered
    assert not parse_creg("+CREG: 0,2").registered


@pytest.mark.parametrize(
    "line", ["+CREG: ", "+CREG: x,1", '+CREG: 0,1,"1A2B', '+CREG: 2,1,"1","2",x']
)
def test_parse_creg_malformed(line: str) -> None:
    with pytest.raises(ValueError):
        parse_creg(line)


def test_parse_cops() -> None:
    assert parse_cops('+COPS: 0,0,"T-Mobile",7') == "T-Mobile"
    assert parse_cops('+COPS: 0,0,"CHINA MOBILE"') == "CHINA MOBILE"
    assert parse_cops('+COPS: 0,2,"310260",7') == "310260"
    assert parse_cops('+COPS: 0,0,"Op, with comma",2') == "Op, with comma"
    assert parse_cops("+COPS: 0") is None
    assert parse_cops('+COPS: 0,0,""') is None
    for bad in ("+COPS: ", "+COPS: x", '+COPS: (2,"T-Mobile","TMO","310260",7),,(0-4),(0-2)'):
        with pytest.raises(ValueError):
            parse_cops(bad)


def test_parse_cpms() -> None:
    assert parse_cpms('+CPMS: "SM",3,30,"SM",3,30,"SM",3,30') == [("SM", 3, 30)] * 3
    assert parse_cpms('+CPMS: "SM_P",0,50,"ME_P",1,100,"SM_P",0,50') == [
        ("SM_P", 0, 50),
        ("ME_P", 1, 100),
        ("SM_P", 0, 50),
    ]
    assert parse_cpms("+CPMS: 3,30,3,30,3,30") == [("", 3, 30)] * 3
    assert parse_cpms("+CPMS: 3,30,3,30,3,30", ("SM", "ME", "SM")) == [
        ("SM", 3, 30),
        ("ME", 3, 30),
        ("SM", 3, 30),
    ]
    assert parse_cpms('+CPMS: "SM",1,10') == [("SM", 1, 10)]
    assert parse_cpms("+CPMS: 1,10") == [("", 1, 10)]
    for bad in (
        "+CPMS: ",
        '+CPMS: "SM",3',
        "+CPMS: 3,30,3",
        '+CPMS: ("SM","ME"),("SM","ME"),("SM","ME")',
        '+CPMS: "SM",x,30',
    ):
        with pytest.raises(ValueError):
            parse_cpms(bad)


def test_parse_cpin() -> None:
    assert parse_cpin("+CPIN: READY") == "READY"
    assert parse_cpin("+CPIN: SIM PIN") == "SIM PIN"
    assert parse_cpin("+CPIN: SIM PUK") == "SIM PUK"
    assert parse_cpin('+CPIN: "NOT INSERTED"') == "NOT INSERTED"
    assert parse_cpin("+CPIN:READY") == "READY"
    with pytest.raises(ValueError):
        parse_cpin("+CPIN: ")


def test_parse_cmgl() -> None:
    lines = [
        '+CMGL: 1,1,"",38',
        PDU,
        "+CMGL: 2,0,,38",
        PDU.lower(),
        '+CMGL: 3,0,"Bob, home",38',
        PDU,
    ]
    assert parse_cmgl(lines) == [
        StoredPdu(1, 1, PDU, 38),
        StoredPdu(2, 0, PDU, 38),
        StoredPdu(3, 0, PDU, 38),
    ]
    assert parse_cmgl([]) == []
    assert parse_cmgl(["", "  "]) == []


@pytest.mark.parametrize(
    "lines",
    [
        ["+CMGL: 1,0,,38"],
        ["+CMGL: 1,0,,38", "NOT HEX"],
        ["+CMGL: 1,0,,38", "ABC"],
        ["+CMGL: x,0,,38", PDU],
        ["+CMGL: 1", PDU],
        ["+CMGL: ", PDU],
        [PDU],
        ["+CMGL: 1,0,,38", "+CMGL: 2,0,,38", PDU],
    ],
)
def test_parse_cmgl_malformed(lines: list[str]) -> None:
    with pytest.raises(ValueError):
        parse_cmgl(lines)


def test_parse_cmgl_lenient_skips_bad_entries() -> None:
    lines = ["+CMGL: 1,0,,38", "+CMGL: 2,0,,38", PDU, "junk", "+CMGL: x,0,,38", PDU]
    assert parse_cmgl(lines, strict=False) == [StoredPdu(2, 0, PDU, 38)]


def test_parse_cmgr() -> None:
    assert parse_cmgr(["+CMGR: 0,,38", PDU], 5) == StoredPdu(5, 0, PDU, 38)
    assert parse_cmgr(['+CMGR: 1,"",38', PDU], 0) == StoredPdu(0, 1, PDU, 38)
    assert parse_cmgr(["+CMGR: ,,27", PDU], 0) == StoredPdu(0, None, PDU, 27)
    for bad in ([], ["+CMGR: 0,,38"], ["+CMGR: 0", PDU], [PDU], ["+CMGR: 0,,38", "XYZ"]):
        with pytest.raises(ValueError):
            parse_cmgr(bad, 1)


def test_parse_cmgs() -> None:
    assert parse_cmgs("+CMGS: 12") == 12
    assert parse_cmgs('+CMGS: 255,"24/01/01,12:00:00+00"') == 255
    assert parse_cmgs("+CMGS:0") == 0
    for bad in ("+CMGS: ", "+CMGS: x", "+CMGS: -1"):
        with pytest.raises(ValueError):
            parse_cmgs(bad)


def test_parse_cmti_and_cdsi() -> None:
    assert parse_cmti('"SM",3') == ("SM", 3)
    assert parse_cmti('+CMTI: "ME",0') == ("ME", 0)
    assert parse_cmti("SM,12") == ("SM", 12)
    assert parse_cdsi('"SR",1') == ("SR", 1)
    assert parse_cdsi('+CDSI: "SM",0') == ("SM", 0)
    for bad in ("", '"SM"', '"SM",x', ",3", '"SM",-1'):
        with pytest.raises(ValueError):
            parse_cmti(bad)


def test_parse_cusd() -> None:
    assert parse_cusd('0,"Balance 5.00",15') == (0, "Balance 5.00", 15)
    assert parse_cusd('+CUSD: 1,"1. Yes, 2. No",15') == (1, "1. Yes, 2. No", 15)
    assert parse_cusd("2") == (2, None, None)
    assert parse_cusd('0,"say \\"hi\\""') == (0, 'say \\"hi\\"', None)
    assert parse_cusd('0,"Line 1\nLine 2",72') == (0, "Line 1\nLine 2", 72)
    for bad in ("", "x", "0,Balance", '0,"unterminated', '0,"x" junk', '0,"x",y'):
        with pytest.raises(ValueError):
            parse_cusd(bad)


def test_parse_csca() -> None:
    assert parse_csca('+CSCA: "+15550000000",145') == "+15550000000"
    assert parse_csca('+CSCA: "",129') is None
    with pytest.raises(ValueError):
        parse_csca("+CSCA: ")


def test_parse_identity() -> None:
    assert parse_identity(["867856030123456"]) == "867856030123456"
    assert parse_identity(['+CGSN: "867856030123456"'], "+CGSN") == "867856030123456"
    assert parse_identity(["", "SIMCOM_Ltd"], "+CGMI") == "SIMCOM_Ltd"
    assert parse_identity("Revision:1418B04SIM800L24", "+CGMR") == "Revision:1418B04SIM800L24"
    assert parse_identity(["Manufacturer: x", "+CGMI: huawei"], "+CGMI") == "huawei"
    with pytest.raises(ValueError):
        parse_identity([])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)",
            ((0, 1, 2), (0, 1, 2, 3), (0, 2), (0, 1, 2), (0, 1)),
        ),
        (
            "+CNMI: (0,1,2),(0,1,2,3),(0,2),(0,1,2),(0,1)",
            ((0, 1, 2), (0, 1, 2, 3), (0, 2), (0, 1, 2), (0, 1)),
        ),
        ("+CNMI: (0-3),(0-3),(0-3),(0,1),(0,1)", ((0, 1, 2, 3),) * 3 + ((0, 1), (0, 1))),
        ("+CNMI: (1,2),(0,1),(0),(0,2),(1)", ((1, 2), (0, 1), (0,), (0, 2), (1,))),
        ("+CNMI: (0-2),(0-3),(0,2),(0-2)", ((0, 1, 2), (0, 1, 2, 3), (0, 2), (0, 1, 2), ())),
        ("+CNMI: ( 0 - 2 ),(0,2-3),(0),(0,1),()", ((0, 1, 2), (0, 2, 3), (0,), (0, 1), ())),
    ],
)
def test_parse_cnmi_test(line: str, expected: tuple[tuple[int, ...], ...]) -> None:
    assert parse_cnmi_test(line) == CnmiSupport(*expected)


@pytest.mark.parametrize(
    "line", ["+CNMI: ", "+CNMI: (0-2", "+CNMI: (a),(1)", "+CNMI: (3-1),(1)", "+CNMI: (0),,(1)"]
)
def test_parse_cnmi_test_malformed(line: str) -> None:
    with pytest.raises(ValueError):
        parse_cnmi_test(line)


def test_choose_cnmi() -> None:
    generic = parse_cnmi_test("+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)")
    assert choose_cnmi(generic) == "AT+CNMI=2,1,0,1,0"
    sim800 = parse_cnmi_test("+CNMI: (0-3),(0-3),(0-3),(0,1),(0,1)")
    assert choose_cnmi(sim800) == "AT+CNMI=2,1,0,1,0"
    only_stored_reports = CnmiSupport((1,), (0, 1), (0,), (0, 2), (0, 1))
    assert choose_cnmi(only_stored_reports) == "AT+CNMI=1,1,0,2,0"
    no_reports_no_bfr = CnmiSupport((0, 1), (1,), (0,), (0,), ())
    assert choose_cnmi(no_reports_no_bfr) == "AT+CNMI=1,1,0,0"
    odd = CnmiSupport((2,), (1,), (), (), (1,))
    assert choose_cnmi(odd) == "AT+CNMI=2,1,0,0"


def test_choose_cnmi_refuses_without_mt1_or_mode() -> None:
    with pytest.raises(ValueError, match="mt=1"):
        choose_cnmi(CnmiSupport((0, 1, 2), (0, 2, 3), (0,), (0,), (0,)))
    with pytest.raises(ValueError, match="mode"):
        choose_cnmi(CnmiSupport((3,), (1,), (0,), (0,), (0,)))


LINE_PARSERS = [
    parse_csq,
    parse_creg,
    parse_cops,
    parse_cpms,
    parse_cpin,
    parse_cmgs,
    parse_cmti,
    parse_cdsi,
    parse_cusd,
    parse_csca,
    parse_cnmi_test,
]

AT_ALPHABET = st.sampled_from(list('+CMGLSQREOPSINTU:,"()-0123456789 ABFx\n'))


@given(st.text(AT_ALPHABET, max_size=40), st.sampled_from(LINE_PARSERS))
def test_line_parsers_raise_only_value_error(text: str, parser: object) -> None:
    with contextlib.suppress(ValueError):
        parser(text)  # type: ignore[operator]


@given(st.lists(st.text(AT_ALPHABET, max_size=30), max_size=6), st.booleans())
def test_list_parsers_raise_only_value_error(lines: list[str], strict: bool) -> None:
    try:
        parse_cmgl(lines, strict=strict)
    except ValueError:
        assert strict
    for call in (lambda: parse_cmgr(lines, 1), lambda: parse_identity(lines, "+CGSN")):
        with contextlib.suppress(ValueError):
            call()

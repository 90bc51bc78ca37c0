"""AtParser against real-looking byte streams from SIM800, Huawei, Quectel and generic modems."""

from __future__ import annotations

import pytest

from modembridge.at import (
    AtParser,
    Echo,
    Event,
    FinalResult,
    Garbage,
    InfoLine,
    Prompt,
    Urc,
    parse_cmgl,
    parse_cusd,
)

DELIVER = "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07"
DELIVER2 = "0791448720003023240DD0E474D81C0EBB010000111011315214000BE474D81C0EBB5DE3771B"
REPORT = "07914487200030230006D60B911326880736F4111011719551401110117195714000"
SUBMIT = "0021000B915155214365F7000005C8329BFD06"


def run(data: bytes, command: str | None = None, *, prompt: bool = False) -> list[Event]:
    parser = AtParser()
    if command is not None:
        parser.command_started(command, expect_prompt=prompt)
    return parser.feed(data)


def ok() -> FinalResult:
    return FinalResult("OK", None, "OK")


def urc(text: str, name: str, args: str = "", payload: str | None = None) -> Urc:
    return Urc(name=name, args=args, payload=payload, text=text)


# -- basic framing ---------------------------------------------------------------------------


def test_echo_info_ok_with_echo_on() -> None:
    events = run(b"AT+CSQ\r\r\n+CSQ: 18,99\r\n\r\nOK\r\n", "AT+CSQ")
    assert events == [Echo("AT+CSQ"), InfoLine("+CSQ: 18,99"), ok()]


def test_echo_off() -> None:
    assert run(b"\r\n+CSQ: 18,99\r\n\r\nOK\r\n", "AT+CSQ") == [InfoLine("+CSQ: 18,99"), ok()]


def test_echo_is_case_insensitive_and_trimmed() -> None:
    assert run(b"at+csq \r\r\nOK\r\n", "AT+CSQ") == [Echo("at+csq"), ok()]


def test_line_endings_cr_lf_crlf_and_blank_lines() -> None:
    events = run(b"\r\n\r\nATI\rSIMCOM_Ltd\nSIM800\r\n\n\r\r\nOK\n", "ATI")
    assert events == [Echo("ATI"), InfoLine("SIMCOM_Ltd"), InfoLine("SIM800"), ok()]


def test_echo_split_across_feeds() -> None:
    parser = AtParser()
    parser.command_started("AT+CMGL=4")
    out: list[Event] = []
    for chunk in (b"AT+C", b"MGL", b"=4", b"\r", b"\r\n", b"OK", b"\r\n"):
        out += parser.feed(chunk)
    assert out == [Echo("AT+CMGL=4"), ok()]


def test_bare_digits_are_info_lines() -> None:
    events = run(b"AT+CGSN\r\r\n867856030123456\r\n\r\nOK\r\n", "AT+CGSN")
    assert events == [Echo("AT+CGSN"), InfoLine("867856030123456"), ok()]


def test_tab_is_allowed_in_a_line() -> None:
    assert run(b"Revision:\tX\r\nOK\r\n", "AT+CGMR")[0] == InfoLine("Revision:\tX")


# -- final results ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "kind", "code"),
    [
        ("OK", "OK", None),
        ("ERROR", "ERROR", None),
        ("+CME ERROR: 10", "CME", 10),
        ("+CME ERROR:14", "CME", 14),
        ("+CMS ERROR: 500", "CMS", 500),
        ("+CME ERROR: SIM PIN required", "CME", 11),
        ("+CME ERROR: SIM not inserted", "CME", 10),
        ("+CME ERROR: incorrect password", "CME", 16),
        ("+CME ERROR: SIM busy", "CME", 14),
        ("+CME ERROR: SIM PUK required", "CME", 12),
        ("+CMS ERROR: SIM busy", "CMS", 314),
        ("+CMS ERROR: invalid PDU mode parameter", "CMS", 304),
        ("+CMS ERROR: SMSC address unknown", "CMS", 330),
        ("+CMS ERROR: memory full", "CMS", 322),
        ("+CME ERROR: something vendor specific", "CME", None),
        ("COMMAND NOT SUPPORT", "NOT_SUPPORTED", None),
        ("NO CARRIER", "NO_CARRIER", None),
        ("BUSY", "BUSY", None),
        ("NO ANSWER", "NO_ANSWER", None),
        ("NO DIALTONE", "NO_DIALTONE", None),
    ],
)
def test_final_results(line: str, kind: str, code: int | None) -> None:
    events = run(f"\r\n{line}\r\n".encode(), "AT+CMGS=10")
    assert events == [FinalResult(kind, code, line)]
    assert events[0].ok == (kind == "OK")  # type: ignore[union-attr]


def test_final_result_ends_the_command_so_later_cusd_is_a_urc() -> None:
    data = b'AT+CUSD=1,"*100#",15\r\r\nOK\r\n\r\n+CUSD: 0,"Balance 5.00",15\r\n'
    events = run(data, 'AT+CUSD=1,"*100#",15')
    assert events == [
        Echo('AT+CUSD=1,"*100#",15'),
        ok(),
        urc('+CUSD: 0,"Balance 5.00",15', "+CUSD", '0,"Balance 5.00",15'),
    ]


def test_stale_ok_while_idle_is_still_a_final_result() -> None:
    assert run(b"\r\nOK\r\n") == [ok()]


def test_call_progress_while_idle_is_a_urc() -> None:
    assert run(b"\r\nNO CARRIER\r\n") == [urc("NO CARRIER", "NO CARRIER")]


# -- URC routing -----------------------------------------------------------------------------


def test_cmti_inside_cmgl_response_is_routed_out() -> None:
    data = (
        b"AT+CMGL=4\r\r\n"
        b'+CMGL: 1,1,"",38\r\n' + DELIVER.encode() + b"\r\n"
        b'\r\n+CMTI: "SM",3\r\n'
        b'+CMGL: 2,0,"",40\r\n' + DELIVER2.encode() + b"\r\n"
        b"\r\nOK\r\n"
    )
    events = run(data, "AT+CMGL=4")
    assert urc('+CMTI: "SM",3', "+CMTI", '"SM",3') in events
    info = [e.text for e in events if isinstance(e, InfoLine)]
    stored = parse_cmgl(info)
    assert [(s.index, s.stat, s.pdu) for s in stored] == [(1, 1, DELIVER), (2, 0, DELIVER2)]
    assert events[-1] == ok()


def test_two_line_cds_mid_response_between_header_and_pdu() -> None:
    data = (
        b"\r\n+CMGL: 0,1,,38\r\n"
        b"\r\n+CDS: 34\r\n" + REPORT.encode() + b"\r\n" + DELIVER.encode() + b"\r\n\r\nOK\r\n"
    )
    events = run(data, "AT+CMGL=4")
    assert events == [
        InfoLine("+CMGL: 0,1,,38"),
        urc("+CDS: 34", "+CDS", "34", REPORT),
        InfoLine(DELIVER),
        ok(),
    ]


def test_two_line_cmt_and_cbm() -> None:
    data = (
        b'\r\n+CMT: "",38\r\n' + DELIVER.encode() + b"\r\n"
        b"\r\n+CMT: ,38\r\n" + DELIVER.encode() + b"\r\n"
        b"\r\n+CBM: 88\r\n" + DELIVER2.encode() + b"\r\n"
    )
    assert run(data) == [
        urc('+CMT: "",38', "+CMT", '"",38', DELIVER),
        urc("+CMT: ,38", "+CMT", ",38", DELIVER),
        urc("+CBM: 88", "+CBM", "88", DELIVER2),
    ]


def test_two_line_urc_whose_second_line_is_not_hex() -> None:
    events = run(b"\r\n+CDS: 25\r\nOK\r\n", "AT+CSQ")
    assert events == [urc("+CDS: 25", "+CDS", "25"), ok()]


def test_text_mode_cds_is_one_line() -> None:
    line = '+CDS: 6,46,"+15551234567",145,"24/01/01,12:00:00+00","24/01/01,12:00:05+00",0'
    assert run(f"\r\n{line}\r\n".encode()) == [urc(line, "+CDS", line[6:])]


def test_two_line_urc_waits_at_end_of_stream_until_flush() -> None:
    parser = AtParser()
    assert parser.feed(b"\r\n+CDS: 34\r\n") == []
    assert parser.pending_urc is not None
    assert parser.feed(REPORT.encode()) == []  # no line end yet
    assert parser.feed(b"\r\n") == [urc("+CDS: 34", "+CDS", "34", REPORT)]
    assert parser.feed(b"\r\n+CDS: 34\r\n") == []
    assert parser.flush() == [urc("+CDS: 34", "+CDS", "34")]
    assert parser.flush() == []


def test_ambiguous_lines_depend_on_command_in_flight() -> None:
    assert run(b"+CREG: 0,1\r\n", "AT+CREG?") == [InfoLine("+CREG: 0,1")]
    assert run(b"+CREG: 0,1\r\n", "AT+CSQ") == [urc("+CREG: 0,1", "+CREG", "0,1")]
    assert run(b"+CPIN: READY\r\n", "AT+CPIN?") == [InfoLine("+CPIN: READY")]
    assert run(b"+CPIN: READY\r\n") == [urc("+CPIN: READY", "+CPIN", "READY")]
    assert run(b"+CUSD: 2\r\n", 'AT+CUSD=1,"*100#"') == [InfoLine("+CUSD: 2")]
    assert run(b"+CGREG: 1\r\n", "AT+CREG?") == [urc("+CGREG: 1", "+CGREG", "1")]


def test_unknown_idle_line_is_nameless_urc_and_info_line_in_flight() -> None:
    assert run(b"\r\nHELLO THERE\r\n") == [urc("HELLO THERE", "")]
    assert run(b"\r\nHELLO THERE\r\n", "ATI") == [InfoLine("HELLO THERE")]
    assert run(b"\r\n+FOO: 1\r\n") == [urc("+FOO: 1", "")]


def test_sim800_boot_sequence() -> None:
    data = (
        b"\x00\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n"
        b"\r\nSMS Ready\r\n\r\nUNDER-VOLTAGE WARNNING\r\n\r\nNORMAL POWER DOWN\r\n"
    )
    events = run(data)
    assert events[0] == Garbage(b"\x00", "control byte 0x00 at offset 0")
    assert [e.name for e in events[1:] if isinstance(e, Urc)] == [
        "RDY",
        "+CFUN",
        "+CPIN",
        "Call Ready",
        "SMS Ready",
        "UNDER-VOLTAGE WARNNING",
        "NORMAL POWER DOWN",
    ]


def test_huawei_rssi_noise_between_lines() -> None:
    data = (
        b"AT+CPMS?\r\r\n^RSSI:18\r\n"
        b'+CPMS: "SM",0,50,"SM",0,50,"SM",0,50\r\n\r\n^MODE:3,3\r\n\r\n^HCSQ:"WCDMA",30,30,58\r\n'
        b"\r\n^DSFLOWRPT:0000000A,00000000,00000000\r\n\r\nOK\r\n^BOOT:20392221,0,0,0,72\r\n"
    )
    events = run(data, "AT+CPMS?")
    assert events == [
        Echo("AT+CPMS?"),
        urc("^RSSI:18", "^RSSI", "18"),
        InfoLine('+CPMS: "SM",0,50,"SM",0,50,"SM",0,50'),
        urc("^MODE:3,3", "^MODE", "3,3"),
        urc('^HCSQ:"WCDMA",30,30,58', "^HCSQ", '"WCDMA",30,30,58'),
        urc("^DSFLOWRPT:0000000A,00000000,00000000", "^DSFLOWRPT", "0000000A,00000000,00000000"),
        ok(),
        urc("^BOOT:20392221,0,0,0,72", "^BOOT", "20392221,0,0,0,72"),
    ]


def test_huawei_command_not_support() -> None:
    events = run(b"AT+CLAC\r\r\nCOMMAND NOT SUPPORT\r\n", "AT+CLAC")
    assert events == [Echo("AT+CLAC"), FinalResult("NOT_SUPPORTED", None, "COMMAND NOT SUPPORT")]


def test_quectel_boot_and_sms_done() -> None:
    data = (
        b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+QUSIM: 1\r\n\r\n+CPIN: READY\r\n\r\n+QIND: SMS DONE\r\n"
    )
    names = [(e.name, e.args) for e in run(data) if isinstance(e, Urc)]
    assert names[-1] == ("+QIND", "SMS DONE")
    assert ("+QUSIM", "1") in names


def test_ring_and_clip() -> None:
    data = b'\r\nRING\r\n\r\n+CLIP: "+15551234567",145,"",0,"",0\r\n'
    assert [e.name for e in run(data) if isinstance(e, Urc)] == ["RING", "+CLIP"]


# -- prompt ----------------------------------------------------------------------------------


def test_prompt_then_pdu_echo_then_cmgs() -> None:
    data = b"AT+CMGS=18\r\r\n> " + SUBMIT.encode() + b"\x1a\r\n\r\n+CMGS: 12\r\n\r\nOK\r\n"
    events = run(data, "AT+CMGS=18", prompt=True)
    assert events == [Echo("AT+CMGS=18"), Prompt(), Echo(SUBMIT), InfoLine("+CMGS: 12"), ok()]


def test_prompt_without_line_end_arrives_immediately() -> None:
    parser = AtParser()
    parser.command_started("AT+CMGS=18", expect_prompt=True)
    assert parser.feed(b"AT+CMGS=18\r\r\n") == [Echo("AT+CMGS=18")]
    assert parser.feed(b">") == []  # wait for the space
    assert parser.feed(b" ") == [Prompt()]


def test_prompt_without_space() -> None:
    parser = AtParser()
    parser.command_started("AT+CMGS=18", expect_prompt=True)
    assert parser.feed(b"\r\n>\r\n") == [Prompt()]
    parser.command_started("AT+CMGS=18", expect_prompt=True)
    assert parser.feed(b"\r\n>") == []
    assert parser.flush() == [Prompt()]


def test_prompt_not_expected_is_not_a_prompt() -> None:
    assert run(b"\r\n> \r\nOK\r\n", "AT") == [InfoLine(">"), ok()]


def test_urc_before_prompt_and_error_after_it() -> None:
    data = b'\r\n+CMTI: "SM",4\r\n\r\n> \x1b\r\n+CMS ERROR: 304\r\n'
    events = run(data, "AT+CMGS=18", prompt=True)
    assert events == [
        urc('+CMTI: "SM",4', "+CMTI", '"SM",4'),
        Prompt(),
        Echo(""),
        FinalResult("CMS", 304, "+CMS ERROR: 304"),
    ]


# -- garbage ---------------------------------------------------------------------------------


def test_garbage_then_ok_stays_in_sync() -> None:
    events = run(b"\r\n\xfe\xfa\x80garbage\r\nOK\r\n", "AT")
    assert events == [Garbage(b"\xfe\xfa\x80garbage", "non-ASCII byte 0xFE at offset 0"), ok()]


def test_nul_or_ff_inside_a_line_makes_it_garbage() -> None:
    assert isinstance(run(b"O\x00K\r\n", "AT")[0], Garbage)
    assert isinstance(run(b"+CSQ: 1\xff8,99\r\n", "AT+CSQ")[0], Garbage)
    assert run(b"O\x00K\r\nOK\r\n", "AT")[1] == ok()


def test_garbage_releases_a_waiting_two_line_urc() -> None:
    events = run(b"+CDS: 34\r\n07\xff91\r\nOK\r\n", "AT")
    assert events[0] == urc("+CDS: 34", "+CDS", "34")
    assert isinstance(events[1], Garbage)
    assert events[2] == ok()


def test_over_long_line_is_one_garbage_then_ok() -> None:
    parser = AtParser(max_line=64)
    parser.command_started("AT")
    events = parser.feed(b"\r\n" + b"A" * 1000 + b"\r\nOK\r\n")
    assert events == [Garbage(b"A" * 64, "line longer than 64 bytes"), ok()]


def test_over_long_line_in_small_chunks_discards_until_line_end() -> None:
    parser = AtParser(max_line=64)
    parser.command_started("AT")
    out: list[Event] = []
    for _ in range(100):
        out += parser.feed(b"0123456789")
    out += parser.feed(b"\xff\xff\rOK\r")
    assert out == [Garbage(b"0123456789" * 6 + b"0123", "line longer than 64 bytes"), ok()]


def test_line_of_exactly_max_line_is_fine() -> None:
    parser = AtParser(max_line=8)
    assert parser.feed(b"ABCDEFGH\r\n") == [urc("ABCDEFGH", "")]


def test_reset_drops_partial_line_and_pending_urc() -> None:
    parser = AtParser()
    parser.command_started("AT")
    parser.feed(b"+CDS: 34\r\nHALF A LI")
    parser.reset()
    assert parser.pending_urc is None
    assert parser.command == "AT"
    assert parser.feed(b"NE\r\nOK\r\n") == [InfoLine("NE"), ok()]


def test_command_started_validates() -> None:
    parser = AtParser()
    with pytest.raises(ValueError):
        parser.command_started("AT\rAT+CMGD=1,4")
    with pytest.raises(ValueError):
        parser.command_started("  ")
    with pytest.raises(ValueError):
        AtParser(max_line=1)


def test_command_finished_clears_prefix() -> None:
    parser = AtParser()
    parser.command_started("AT+CREG?")
    parser.command_finished()
    assert parser.command is None
    assert parser.feed(b"+CREG: 1\r\n") == [urc("+CREG: 1", "+CREG", "1")]


def test_zte_cmgr_and_huawei_zero_index() -> None:
    data = b"AT+CMGR=0\r\r\n+CMGR: ,,38\r\n" + DELIVER.encode() + b"\r\n\r\nOK\r\n"
    events = run(data, "AT+CMGR=0")
    assert events == [Echo("AT+CMGR=0"), InfoLine("+CMGR: ,,38"), InfoLine(DELIVER), ok()]


# -- multi-line +CUSD (SIMCom) ---------------------------------------------------------------


def test_multi_line_cusd_urc_is_joined() -> None:
    data = b'\r\n+CUSD: 0,"Your balance is 5.00\r\nValid till 01/01\r\nThanks",15\r\n\r\nRING\r\n'
    events = run(data)
    text = '+CUSD: 0,"Your balance is 5.00\nValid till 01/01\nThanks",15'
    assert events == [urc(text, "+CUSD", text[7:]), urc("RING", "RING")]
    assert parse_cusd(events[0].args) == (  # type: ignore[union-attr]
        0,
        "Your balance is 5.00\nValid till 01/01\nThanks",
        15,
    )


def test_multi_line_cusd_info_line_cut_short_by_final_result() -> None:
    events = run(b'\r\n+CUSD: 0,"abc\r\nOK\r\n', 'AT+CUSD=1,"*100#",15')
    assert events == [InfoLine('+CUSD: 0,"abc'), ok()]


def test_multi_line_cusd_is_capped_and_flushable() -> None:
    parser = AtParser()
    assert parser.feed(b'+CUSD: 0,"x\r\n' + b"line\r\n" * 40) != []
    parser = AtParser()
    assert parser.feed(b'+CUSD: 0,"x\r\nmore\r\n') == []
    assert parser.has_partial
    assert parser.flush() == [urc('+CUSD: 0,"x\nmore', "+CUSD", '0,"x\nmore')]
    assert not parser.has_partial


def test_multi_line_cusd_released_before_garbage() -> None:
    events = run(b'+CUSD: 0,"x\r\n\xff\r\n')
    assert events[0] == urc('+CUSD: 0,"x', "+CUSD", '0,"x')
    assert isinstance(events[1], Garbage)


def test_has_partial() -> None:
    parser = AtParser()
    assert not parser.has_partial
    parser.feed(b"O")
    assert parser.has_partial
    parser.feed(b"K\r\n")
    assert not parser.has_partial
    parser.feed(b"+CDS: 34\r\n")
    assert parser.has_partial


def test_cds_between_prompt_and_pdu_echo_keeps_its_payload() -> None:
    data = b"\r\n> \r\n+CDS: 34\r\n" + REPORT.encode() + b"\r\n" + SUBMIT.encode() + b"\x1b\r\n"
    events = run(data, "AT+CMGS=18", prompt=True)
    assert events == [Prompt(), urc("+CDS: 34", "+CDS", "34", REPORT), Echo(SUBMIT)]


def test_prompt_releases_a_waiting_two_line_urc() -> None:
    events = run(b"\r\n+CDS: 34\r\n> ", "AT+CMGS=18", prompt=True)
    assert events == [urc("+CDS: 34", "+CDS", "34"), Prompt()]


def test_large_stream_byte_by_byte_is_fast_enough() -> None:
    parser = AtParser()
    parser.command_started("AT+CMGL=4")
    body = (b"+CMGL: 1,0,,38\r\n" + DELIVER.encode() + b"\r\n") * 300 + b"OK\r\n"
    count = 0
    for i in range(len(body)):
        count += len(parser.feed(body[i : i + 1]))
    assert count == 601
    long_line = AtParser()
    for _ in range(20000):
        long_line.feed(b"x")
    assert long_line.feed(b"\r\nOK\r\n")[-1] == ok()

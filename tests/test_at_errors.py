"""AT errors: the right subclass, codes, meanings, and the permanent/transient tables."""

from __future__ import annotations

import pytest

from modembridge.at import (
    CME_MEANINGS,
    CMS_MEANINGS,
    PERMANENT_CME,
    PERMANENT_CMS,
    TRANSIENT_CME,
    TRANSIENT_CMS,
    AtError,
    AtParser,
    AtTimeout,
    CmeError,
    CmsError,
    CommandError,
    FinalResult,
    error_for,
)


def final(line: str) -> FinalResult:
    parser = AtParser()
    parser.command_started("AT+CMGS=23")
    (event,) = parser.feed(f"\r\n{line}\r\n".encode())
    assert isinstance(event, FinalResult)
    return event


def test_error_for_picks_the_subclass() -> None:
    assert type(error_for("AT+CPIN?", final("+CME ERROR: 11"))) is CmeError
    assert type(error_for("AT+CMGS=23", final("+CMS ERROR: 500"))) is CmsError
    assert type(error_for("AT^CURC=0", final("ERROR"))) is CommandError
    assert type(error_for("AT+CLAC", final("COMMAND NOT SUPPORT"))) is CommandError
    with pytest.raises(ValueError):
        error_for("AT", final("OK"))


def test_hierarchy_and_attributes() -> None:
    exc = error_for("AT+CMGS=23", final("+CMS ERROR: 304"))
    assert isinstance(exc, CmsError)
    assert isinstance(exc, CommandError)
    assert isinstance(exc, AtError)
    assert exc.command == "AT+CMGS=23"
    assert exc.result.text == "+CMS ERROR: 304"
    assert exc.code == 304
    assert exc.meaning == "invalid PDU mode parameter"
    assert not exc.transient
    assert str(exc) == "AT+CMGS=23: +CMS ERROR 304 (invalid PDU mode parameter)"


def test_verbose_errors_map_to_codes_and_transience() -> None:
    pin = error_for("AT+CMGL=4", final("+CME ERROR: SIM PIN required"))
    assert isinstance(pin, CmeError)
    assert (pin.code, pin.transient, pin.meaning) == (11, False, "SIM PIN required")
    busy = error_for("AT+CMGS=23", final("+CMS ERROR: SIM busy"))
    assert (busy.code, busy.transient) == (314, True)
    unknown = error_for("AT+CPMS?", final("+CME ERROR: frobnicator jammed"))
    assert unknown.code is None
    assert unknown.meaning == "frobnicator jammed"
    assert "frobnicator jammed" in str(unknown)


@pytest.mark.parametrize("code", [314, 331, 332, 500, 322, 512, 515, 530])
def test_transient_cms(code: int) -> None:
    assert error_for("AT+CMGS=23", final(f"+CMS ERROR: {code}")).transient


@pytest.mark.parametrize("code", [302, 303, 304, 305, 310, 311, 316, 321, 330])
def test_permanent_cms(code: int) -> None:
    assert not error_for("AT+CMGS=23", final(f"+CMS ERROR: {code}")).transient


@pytest.mark.parametrize("code", [14, 30, 100, 515])
def test_transient_cme(code: int) -> None:
    assert error_for("AT+CPIN?", final(f"+CME ERROR: {code}")).transient


@pytest.mark.parametrize("code", [3, 4, 10, 11, 12, 13, 16, 262, 999])
def test_permanent_cme(code: int) -> None:
    assert not error_for("AT+CPIN?", final(f"+CME ERROR: {code}")).transient


def test_unmapped_codes_have_a_meaning() -> None:
    cms = error_for("AT+CMGS=23", final("+CMS ERROR: 530"))
    assert cms.meaning == "manufacturer specific (530)"
    cme = error_for("AT", final("+CME ERROR: 999"))
    assert cme.meaning == "CME error 999"
    cms_none = error_for("AT", final("+CMS ERROR: weird"))
    assert cms_none.transient  # send path: an unknown failure is retried (bounded)


def test_plain_results_transience() -> None:
    assert error_for("AT+CMGS=23", final("ERROR")).transient
    assert not error_for("AT^CURC=0", final("COMMAND NOT SUPPORT")).transient
    assert error_for("ATD123;", final("NO CARRIER")).transient


def test_tables_are_consistent() -> None:
    assert not TRANSIENT_CMS & PERMANENT_CMS
    assert not TRANSIENT_CME & PERMANENT_CME
    assert {314, 331, 332, 500, 322} <= TRANSIENT_CMS
    assert {302, 303, 304, 305, 330} <= PERMANENT_CMS
    assert {10, 11, 12, 13, 16} <= PERMANENT_CME
    for code in TRANSIENT_CMS | PERMANENT_CMS:
        assert code in CMS_MEANINGS
    for code in (TRANSIENT_CME | PERMANENT_CME) - {515}:
        assert code in CME_MEANINGS


def test_at_timeout() -> None:
    exc = AtTimeout("AT+CSQ", 2.5)
    assert isinstance(exc, AtError)
    assert (exc.command, exc.timeout, exc.transient) == ("AT+CSQ", 2.5, True)
    assert str(exc) == "AT+CSQ: no final result within 2.5 s"

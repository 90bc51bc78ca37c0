"""Tables the parser classifies lines with: final results, URC names, two-line URCs."""

from __future__ import annotations

import re

from modembridge.at.codes import cme_code_for_text, cms_code_for_text
from modembridge.at.events import FinalResult

__all__ = [
    "CALL_PROGRESS_KINDS",
    "COLON_URCS",
    "LINE_URCS",
    "QUOTED_CONTINUATION",
    "TWO_LINE_URCS",
    "classify_final",
    "expects_second_line",
    "known_urc",
    "response_prefix",
    "split_name",
]

# Final result lines that are not +CME/+CMS: line (upper case) -> FinalResult.kind.
_FINAL_EXACT: dict[str, str] = {
    "OK": "OK",
    "ERROR": "ERROR",
    "COMMAND NOT SUPPORT": "NOT_SUPPORTED",  # Huawei
    "NO CARRIER": "NO_CARRIER",
    "BUSY": "BUSY",
    "NO ANSWER": "NO_ANSWER",
    "NO DIALTONE": "NO_DIALTONE",
    "NO DIAL TONE": "NO_DIALTONE",
}

# Call progress results: final while a command is in flight, a URC ("the call ended") when idle.
CALL_PROGRESS_KINDS = frozenset({"NO_CARRIER", "BUSY", "NO_ANSWER", "NO_DIALTONE"})

_EXT_ERROR_RE = re.compile(r"^\+(CME|CMS) ERROR\s*:\s*(.*)$", re.IGNORECASE)

# "<name>: <args>" URCs (27.005/27.007 + SIMCom, Huawei, Quectel, ZTE noise).
COLON_URCS: frozenset[str] = frozenset(
    {
        # messages and status reports
        "+CMTI", "+CDSI", "+CDS", "+CMT", "+CBM", "+CBMI",
        # calls and supplementary services
        "+CLIP", "+CRING", "+CCWA", "+CSSI", "+CSSU", "+CUSD", "+COLP",
        # registration, SIM, power, time
        "+CREG", "+CGREG", "+CEREG", "+C5GREG", "+CPIN", "+CFUN", "+CTZV", "+CTZE", "+CTZU",
        "+CIEV", "+CGEV", "+PDP", "+CPINR",
        # SIMCom
        "*PSUTTZ", "DST", "+SAPBR", "+CPSI",
        # Quectel
        "+QIND", "+QUSIM", "+QNITZ", "+QIURC", "+QSTAT",
        # Huawei
        "^RSSI", "^BOOT", "^MODE", "^HCSQ", "^DSFLOWRPT", "^SIMST", "^SRVST", "^CURC",
        "^SYSSTART", "^NDISSTAT", "^STIN", "^CEND", "^ORIG", "^CONF", "^CONN", "^RFSWITCH",
        "^SMMEMFULL", "^EONS", "^NWTIME", "^CSNR", "^TIME", "^ACTIVEBAND", "^SYSINFOEX",
        "^CERSSI", "^LTERSRP", "^ECLSTAT",
        # ZTE
        "+ZPASR", "+ZUSIMR", "+ZDONR", "+ZEND", "+ZSTR", "+ZPSTM", "+ZEMSCI",
    }
)  # fmt: skip

# Whole-line URCs (boot and power messages, ring): upper-cased line -> canonical name.
LINE_URCS: dict[str, str] = {
    name.upper(): name
    for name in (
        "RING",
        "RDY",
        "Call Ready",
        "SMS Ready",
        "PB DONE",
        "NORMAL POWER DOWN",
        "UNDER-VOLTAGE WARNNING",  # sic: SIMCom spelling
        "UNDER-VOLTAGE POWER DOWN",
        "OVER-VOLTAGE WARNNING",
        "OVER-VOLTAGE POWER DOWN",
        "POWERED DOWN",
    )
}

# Lines whose quoted text may contain line breaks (SIMCom sends multi-line USSD answers):
# the parser joins the following lines with "\n" until the quote closes.
QUOTED_CONTINUATION: frozenset[str] = frozenset({"+CUSD"})

# PDU-mode URCs whose PDU follows on the next line.
TWO_LINE_URCS: frozenset[str] = frozenset({"+CDS", "+CMT", "+CBM"})

_NAME_RE = re.compile(r"^([+^*][A-Za-z0-9_]+|DST)\s*:\s*(.*)$")
_PREFIX_RE = re.compile(r"^AT([+^*$%#][A-Za-z0-9_]+)", re.IGNORECASE)


def split_name(line: str) -> tuple[str, str] | None:
    """Split ``+NAME: args`` / ``^NAME:args`` into (NAME upper-cased, args stripped).

    Args:
        line: a stripped printable line.

    Returns:
        (name, args), or None if the line has no ``name:`` head.
    """
    match = _NAME_RE.match(line)
    if match is None:
        return None
    return match.group(1).upper(), match.group(2).strip()


def known_urc(line: str) -> tuple[str, str] | None:
    """Return (name, args) if the line is in the URC tables, else None."""
    whole = LINE_URCS.get(line.upper())
    if whole is not None:
        return whole, ""
    split = split_name(line)
    if split is not None and split[0] in COLON_URCS:
        return split
    return None


def expects_second_line(name: str, args: str) -> bool:
    """True if a URC carries its PDU on the next line (PDU-mode +CDS/+CMT/+CBM).

    Text-mode forms carry everything on one line (several fields), so they do not count:
    PDU mode is ``+CDS: <len>``, ``+CBM: <len>`` and ``+CMT: [<alpha>],<len>``.
    """
    if name not in TWO_LINE_URCS:
        return False
    if name == "+CMT":
        head, sep, length = args.rpartition(",")
        return bool(sep) and length.strip().isdigit() and "," not in _unquoted(head)
    return args.isdigit()


def _unquoted(text: str) -> str:
    """Drop quoted sections (an alpha tag may contain commas)."""
    return re.sub(r'"[^"]*"', "", text)


def classify_final(line: str) -> FinalResult | None:
    """Return the FinalResult for a final result line, None for any other line.

    Verbose (AT+CMEE=2) texts are mapped to codes where known; unknown texts give code None.
    """
    kind = _FINAL_EXACT.get(line.upper())
    if kind is not None:
        return FinalResult(kind=kind, code=None, text=line)
    match = _EXT_ERROR_RE.match(line)
    if match is None:
        return None
    family = match.group(1).upper()
    detail = match.group(2).strip().strip('"').strip()
    code: int | None
    if detail.isdigit():
        code = int(detail)
    elif family == "CME":
        code = cme_code_for_text(detail)
    else:
        code = cms_code_for_text(detail)
    return FinalResult(kind=family, code=code, text=line)


def response_prefix(command: str) -> str | None:
    """The ``+XXX`` prefix of a command's information response.

    Args:
        command: e.g. ``AT+CREG?``, ``at+cusd=1,"*100#"``, ``AT^SYSINFO``.

    Returns:
        "+CREG", "+CUSD", "^SYSINFO"; None for basic commands (``AT``, ``ATI``, ``ATE0``).
    """
    match = _PREFIX_RE.match(command.strip())
    if match is None:
        return None
    return match.group(1).upper()

"""AT command builders (validated, injection-proof) and response-line parsers (pure).

Parsers accept the formats of several vendors (SIMCom, Huawei, Quectel, ZTE, generic) and
raise ValueError with a clear message on malformed input, never IndexError. The message
commands live in :mod:`modembridge.at.messages` and ``AT+CNMI`` in :mod:`modembridge.at.cnmi`;
both are re-exported here so every builder and parser is importable from this module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from modembridge.at.cnmi import CnmiSupport, choose_cnmi, parse_cnmi_test
from modembridge.at.fields import check_int, int_field, split_fields, strip_prefix, unquote
from modembridge.at.messages import (
    StoredPdu,
    cmgd,
    cmgl,
    cmgr,
    cmgs,
    parse_cdsi,
    parse_cmgl,
    parse_cmgr,
    parse_cmgs,
    parse_cmti,
)

__all__ = [
    "CnmiSupport",
    "Registration",
    "StoredPdu",
    "choose_cnmi",
    "cmgd",
    "cmgl",
    "cmgr",
    "cmgs",
    "cpin",
    "cpin_puk",
    "cpms",
    "cusd",
    "parse_cdsi",
    "parse_cmgl",
    "parse_cmgr",
    "parse_cmgs",
    "parse_cmti",
    "parse_cnmi_test",
    "parse_cops",
    "parse_cpin",
    "parse_cpms",
    "parse_creg",
    "parse_csca",
    "parse_csq",
    "parse_cusd",
    "parse_identity",
    "quote",
    "rssi_to_dbm",
]

_FORBIDDEN = re.compile(r'["\x00-\x1f\x7f]')
_MEMORIES = frozenset({"SM", "ME", "MT", "BM", "SR", "TA", "SM_P", "ME_P"})


# -- builders ------------------------------------------------------------------------------


def quote(value: str) -> str:
    """Quote a string parameter: ``abc`` -> ``"abc"``.

    Args:
        value: the parameter; printable ASCII without ``"``.

    Raises:
        ValueError: on ``"``, CR, LF, Ctrl-Z, ESC, any other control character or non-ASCII
            (each could end the command early or inject another one).
    """
    bad = _FORBIDDEN.search(value)
    if bad is not None:
        raise ValueError(f"character {bad.group()!r} not allowed in an AT string parameter")
    if not value.isascii():
        raise ValueError("non-ASCII characters not allowed in an AT string parameter")
    return f'"{value}"'


def _check_digits(name: str, value: str, low: int, high: int) -> str:
    if not (value.isascii() and value.isdigit() and low <= len(value) <= high):
        span = f"{low}" if low == high else f"{low}-{high}"
        raise ValueError(f"{name} must be {span} digits")
    return value


def cpin(pin: str) -> str:
    """``AT+CPIN="<pin>"`` (4-8 digits). Never retry a rejected PIN automatically."""
    return f"AT+CPIN={quote(_check_digits('PIN', pin, 4, 8))}"


def cpin_puk(puk: str, new_pin: str) -> str:
    """``AT+CPIN="<puk>","<new pin>"`` (PUK 8 digits, PIN 4-8 digits)."""
    puk_q = quote(_check_digits("PUK", puk, 8, 8))
    return f"AT+CPIN={puk_q},{quote(_check_digits('PIN', new_pin, 4, 8))}"


def cpms(*memories: str) -> str:
    """``AT+CPMS="SM","SM","SM"`` (1 to 3 storages from SM/ME/MT/BM/SR/TA)."""
    if not 1 <= len(memories) <= 3:
        raise ValueError("AT+CPMS takes 1 to 3 storages")
    for mem in memories:
        if mem not in _MEMORIES:
            raise ValueError(f"unknown message storage {mem!r}")
    return "AT+CPMS=" + ",".join(quote(mem) for mem in memories)


def cusd(request: str, *, dcs: int = 15) -> str:
    """``AT+CUSD=1,"<request>",<dcs>`` for a USSD code such as ``*100#``."""
    if not re.fullmatch(r"[0-9*#+]{1,160}", request):
        raise ValueError("a USSD request holds only digits, '*', '#' and '+'")
    return f"AT+CUSD=1,{quote(request)},{check_int('dcs', dcs, 0, 255)}"


# -- parsers -------------------------------------------------------------------------------


def parse_csq(line: str) -> tuple[int, int]:
    """``+CSQ: 18,99`` -> (rssi, ber)."""
    fields = split_fields(strip_prefix(line, "+CSQ"))
    if len(fields) < 2:
        raise ValueError(f"+CSQ needs rssi,ber: {line!r}")
    return int_field(fields[0], "rssi", line), int_field(fields[1], "ber", line)


def rssi_to_dbm(rssi: int) -> int | None:
    """Convert +CSQ rssi to dBm: -113 + 2*rssi for 0..31; 99 (unknown) -> None."""
    if rssi == 99:
        return None
    if not 0 <= rssi <= 31:
        raise ValueError(f"rssi must be 0..31 or 99, got {rssi}")
    return -113 + 2 * rssi


_REG_NAMES: dict[int, str] = {
    0: "not_registered",
    1: "registered_home",
    2: "searching",
    3: "denied",
    4: "unknown",
    5: "registered_roaming",
    6: "registered_home",  # SMS only, home
    7: "registered_roaming",  # SMS only, roaming
    8: "not_registered",  # emergency services only
    9: "registered_home",  # CSFB not preferred, home
    10: "registered_roaming",  # CSFB not preferred, roaming
}


@dataclass(frozen=True)
class Registration:
    """Network registration (+CREG / +CGREG / +CEREG).

    Attributes:
        stat: the raw <stat>.
        name: "registered_home", "registered_roaming", "searching", "denied",
            "not_registered" or "unknown".
        lac: location area / tracking area code (hex text) or None.
        ci: cell id (hex text) or None.
        n: the <n> setting when the line had it (query response), else None (URC).
        act: access technology when present, else None.
    """

    stat: int
    name: str
    lac: str | None = None
    ci: str | None = None
    n: int | None = None
    act: int | None = None

    @property
    def registered(self) -> bool:
        """True when home or roaming registered."""
        return self.name in ("registered_home", "registered_roaming")


def parse_creg(line: str) -> Registration:
    """Parse a +CREG/+CGREG/+CEREG query response or URC.

    Accepts ``+CREG: 0,1``, ``+CREG: 1`` (URC), ``+CREG: 2,1,"1A2B","01C3D4E5"[,7]``,
    ``+CREG: 1,"1A2B","01C3D4E5"`` (URC with location) and the same without the prefix.
    """
    fields = split_fields(strip_prefix(line, "+CREG", "+CGREG", "+CEREG", "+C5GREG"))
    if not fields or not fields[0]:
        raise ValueError(f"empty registration line: {line!r}")
    # Query form has <n>,<stat> first; URC form starts with <stat> then a quoted LAC.
    query = len(fields) >= 2 and not fields[1].startswith('"') and fields[1].isdigit()
    n = int_field(fields[0], "n", line) if query else None
    rest = fields[1:] if query else fields
    stat = int_field(rest[0], "stat", line)
    lac = _hex_id(rest, 1)
    ci = _hex_id(rest, 2)
    act = int_field(rest[3], "act", line) if len(rest) > 3 and rest[3] else None
    return Registration(stat, _REG_NAMES.get(stat, "unknown"), lac, ci, n, act)


def _hex_id(fields: list[str], i: int) -> str | None:
    """An optional quoted hex id (LAC/TAC, cell id), upper-cased; None if absent or empty."""
    if i >= len(fields):
        return None
    return unquote(fields[i]).upper() or None


def parse_cops(line: str) -> str | None:
    """``+COPS: 0,0,"T-Mobile",7`` -> "T-Mobile"; ``+COPS: 0`` (no operator) -> None."""
    fields = split_fields(strip_prefix(line, "+COPS"))
    if not fields or fields[0].startswith("("):
        raise ValueError(f"not a +COPS? response: {line!r}")
    int_field(fields[0], "mode", line)
    if len(fields) < 3:
        return None
    return unquote(fields[2]) or None


def parse_cpms(line: str, memories: Sequence[str] = ()) -> list[tuple[str, int, int]]:
    """Storage use from ``+CPMS:`` -> [(mem, used, total), ...].

    Accepts the query form ``+CPMS: "SM",3,30,"SM",3,30,"SM",3,30`` and the set-command
    form ``+CPMS: 3,30,3,30,3,30``; in the latter the storage names come from
    ``memories`` (what was set) or are "".
    """
    fields = split_fields(strip_prefix(line, "+CPMS"))
    if not fields or fields[0].startswith("("):
        raise ValueError(f"not a +CPMS usage line: {line!r}")
    named = fields[0].startswith('"') or not fields[0].isdigit()
    width = 3 if named else 2
    if len(fields) % width:
        raise ValueError(f"+CPMS fields do not come in groups of {width}: {line!r}")
    out: list[tuple[str, int, int]] = []
    for i in range(0, len(fields), width):
        group = fields[i : i + width]
        k = i // width
        mem = unquote(group[0]) if named else (memories[k] if k < len(memories) else "")
        used = int_field(group[-2], "used", line)
        total = int_field(group[-1], "total", line)
        out.append((mem, used, total))
    return out


def parse_cpin(line: str) -> str:
    """``+CPIN: READY`` -> "READY" (also "SIM PIN", "SIM PUK", "NOT INSERTED", ...)."""
    value = unquote(strip_prefix(line, "+CPIN").strip())
    if not value:
        raise ValueError(f"empty +CPIN state: {line!r}")
    return value.upper()


def parse_cusd(args: str) -> tuple[int, str | None, int | None]:
    """``0,"Balance 5.00",15`` (or ``+CUSD: ...``) -> (0, "Balance 5.00", 15).

    The text may hold commas and, on some modems, line breaks; it is returned as sent
    (Huawei sends UCS-2/GSM hex there, decoding depends on the DCS).
    """
    body = strip_prefix(args, "+CUSD").strip()
    head, sep, rest = body.partition(",")
    m = int_field(head, "m", args)
    if not sep:
        return m, None, None
    rest = rest.strip()
    if not rest.startswith('"'):
        raise ValueError(f"+CUSD text must be quoted: {args!r}")
    end = rest.rfind('"')
    if end == 0:
        raise ValueError(f"unterminated +CUSD text: {args!r}")
    text = rest[1:end]
    tail = rest[end + 1 :].strip()
    if not tail:
        return m, text, None
    if not tail.startswith(","):
        raise ValueError(f"junk after +CUSD text: {args!r}")
    return m, text, int_field(tail[1:], "dcs", args)


def parse_csca(line: str) -> str | None:
    """``+CSCA: "+15550000000",145`` -> "+15550000000" (None if empty)."""
    fields = split_fields(strip_prefix(line, "+CSCA"))
    if not fields:
        raise ValueError(f"empty +CSCA line: {line!r}")
    return unquote(fields[0]) or None


def parse_identity(lines: Sequence[str] | str, prefix: str | None = None) -> str:
    """The value of ``AT+CGSN``/``AT+CIMI``/``AT+CGMI``/``AT+CGMM``/``AT+CGMR`` responses.

    Accepts bare values (``867...``) and prefixed ones (``+CGSN: "867..."``,
    ``Revision: ...``, Huawei ``^...``); returns the first non-empty line, trimmed.

    Args:
        lines: InfoLine texts (or one line).
        prefix: a prefix to strip, e.g. "+CGSN"; lines with ``<prefix>:`` are preferred.

    Raises:
        ValueError: if there is no non-empty line.
    """
    items = [lines] if isinstance(lines, str) else list(lines)
    values = [line.strip() for line in items if line.strip()]
    if not values:
        raise ValueError("empty identity response")
    value = values[0]
    if prefix is not None:
        for line in values:
            if line.upper().startswith(prefix.upper() + ":"):
                value = line
                break
        value = strip_prefix(value, prefix)
    return unquote(value.strip()) or value.strip()

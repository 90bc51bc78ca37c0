"""Message storage and sending: AT+CMGS/CMGR/CMGL/CMGD builders and their responses (PDU mode)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from modembridge.at.fields import check_int, int_field, split_fields, strip_prefix, unquote

__all__ = [
    "StoredPdu",
    "cmgd",
    "cmgl",
    "cmgr",
    "cmgs",
    "parse_cdsi",
    "parse_cmgl",
    "parse_cmgr",
    "parse_cmgs",
    "parse_cmti",
]

_HEX = re.compile(r"[0-9A-Fa-f]+")


def cmgs(tpdu_length: int) -> str:
    """``AT+CMGS=<n>``: n = TPDU octets, without the SMSC part (1..255)."""
    return f"AT+CMGS={check_int('tpdu_length', tpdu_length, 1, 255)}"


def cmgd(index: int, flag: int | None = None) -> str:
    """``AT+CMGD=<index>[,<flag>]`` (flag 0 = that index ... 4 = all)."""
    check_int("index", index, 0)
    if flag is None:
        return f"AT+CMGD={index}"
    return f"AT+CMGD={index},{check_int('flag', flag, 0, 4)}"


def cmgr(index: int) -> str:
    """``AT+CMGR=<index>`` (index >= 0: Huawei and some ZTE count from 0)."""
    return f"AT+CMGR={check_int('index', index, 0)}"


def cmgl(stat: int = 4) -> str:
    """``AT+CMGL=<stat>`` in PDU mode (0 unread, 1 read, 2 unsent, 3 sent, 4 all)."""
    return f"AT+CMGL={check_int('stat', stat, 0, 4)}"


@dataclass(frozen=True)
class StoredPdu:
    """A message read from modem storage in PDU mode.

    Attributes:
        index: storage index.
        stat: 0 received unread, 1 received read, 2 stored unsent, 3 stored sent; None when
            the modem leaves it out (ZTE ``+CMGR: ,,27``).
        pdu: the PDU hex (uppercase), SMSC part included.
        length: the TPDU length the modem announced, if any.
    """

    index: int
    stat: int | None
    pdu: str
    length: int | None = None


def _pdu_line(lines: Sequence[str], i: int, header: str) -> str:
    if i >= len(lines):
        raise ValueError(f"no PDU line after {header!r}")
    pdu = lines[i].strip()
    if not _HEX.fullmatch(pdu) or len(pdu) % 2:
        raise ValueError(f"not a PDU hex line after {header!r}: {pdu[:40]!r}")
    return pdu.upper()


def _header(fields: list[str], line: str) -> tuple[int | None, int | None]:
    """(stat, length) from ``<stat>,[<alpha>],<length>`` fields."""
    if len(fields) < 2:
        raise ValueError(f"too few fields: {line!r}")
    stat = int_field(fields[0], "stat", line) if fields[0] else None
    length = int_field(fields[-1], "length", line) if fields[-1] else None
    return stat, length


def parse_cmgl(lines: Sequence[str], *, strict: bool = True) -> list[StoredPdu]:
    """Parse an ``AT+CMGL`` PDU-mode response (the InfoLine texts, in order).

    Args:
        lines: ``+CMGL: <index>,<stat>,[<alpha>],<length>`` each followed by a PDU line.
        strict: raise on a malformed entry (default); False skips it and goes on.

    Raises:
        ValueError: on a malformed header or a missing / non-hex PDU line (strict only).
    """
    items = [line.strip() for line in lines if line.strip()]
    out: list[StoredPdu] = []
    i = 0
    while i < len(items):
        line = items[i]
        i += 1
        if not line.upper().startswith("+CMGL:"):
            if strict:
                raise ValueError(f"expected a +CMGL: header, got {line[:40]!r}")
            continue
        try:
            fields = split_fields(strip_prefix(line, "+CMGL"))
            if len(fields) < 3:
                raise ValueError(f"+CMGL needs <index>,<stat>,[<alpha>],<length>: {line!r}")
            index = int_field(fields[0], "index", line)
            stat, length = _header(fields[1:], line)
            pdu = _pdu_line(items, i, line)
        except ValueError:
            if strict:
                raise
            continue
        i += 1
        out.append(StoredPdu(index, stat, pdu, length))
    return out


def parse_cmgr(lines: Sequence[str], index: int) -> StoredPdu:
    """Parse an ``AT+CMGR=<index>`` PDU-mode response.

    Accepts ``+CMGR: <stat>,[<alpha>],<length>`` and ZTE's ``+CMGR: ,,27``; the PDU line
    follows. An empty slot (no +CMGR line) raises ValueError.
    """
    items = [line.strip() for line in lines if line.strip()]
    for i, line in enumerate(items):
        if line.upper().startswith("+CMGR:"):
            stat, length = _header(split_fields(strip_prefix(line, "+CMGR")), line)
            return StoredPdu(index, stat, _pdu_line(items, i + 1, line), length)
    raise ValueError(f"no +CMGR: line in response for index {index}")


def parse_cmgs(line: str) -> int:
    """``+CMGS: 12`` -> 12 (TP-MR); extra fields (ack PDU, SCTS) are ignored."""
    fields = split_fields(strip_prefix(line, "+CMGS"))
    if not fields or not fields[0]:
        raise ValueError(f"no message reference in {line!r}")
    return int_field(fields[0], "message reference", line)


def _mem_index(args: str, name: str) -> tuple[str, int]:
    fields = split_fields(strip_prefix(args, name))
    if len(fields) < 2:
        raise ValueError(f"{name} needs <mem>,<index>: {args!r}")
    mem = unquote(fields[0]).upper()
    if not mem:
        raise ValueError(f"{name} without storage name: {args!r}")
    return mem, int_field(fields[1], "index", args)


def parse_cmti(args: str) -> tuple[str, int]:
    """``"SM",3`` (or the whole ``+CMTI: "SM",3`` line) -> ("SM", 3)."""
    return _mem_index(args, "+CMTI")


def parse_cdsi(args: str) -> tuple[str, int]:
    """``"SR",1`` (or the whole ``+CDSI: "SR",1`` line) -> ("SR", 1)."""
    return _mem_index(args, "+CDSI")

"""``AT+CNMI``: what the modem supports (``AT+CNMI=?``) and the setting we choose."""

from __future__ import annotations

from dataclasses import dataclass

from modembridge.at.fields import int_field, split_fields, strip_prefix

__all__ = ["CnmiSupport", "choose_cnmi", "parse_cnmi_test"]


@dataclass(frozen=True)
class CnmiSupport:
    """Allowed values of each ``AT+CNMI`` parameter (from ``AT+CNMI=?``); () if not listed."""

    mode: tuple[int, ...]
    mt: tuple[int, ...]
    bm: tuple[int, ...]
    ds: tuple[int, ...]
    bfr: tuple[int, ...]


def _int_set(group: str, line: str) -> tuple[int, ...]:
    """``(0-2)``, ``(0,1,2)``, ``(0,2-3)`` or ``1`` -> sorted tuple of ints."""
    body = group.strip()
    if body.startswith("(") != body.endswith(")"):
        raise ValueError(f"unbalanced parentheses in {line!r}")
    body = body.strip("()").strip()
    values: set[int] = set()
    for part in filter(None, (p.strip() for p in body.split(","))):
        low, dash, high = part.partition("-")
        first = int_field(low, "CNMI value", line)
        last = int_field(high, "CNMI value", line) if dash else first
        if last < first or last - first > 255:
            raise ValueError(f"bad range {part!r} in {line!r}")
        values.update(range(first, last + 1))
    return tuple(sorted(values))


def parse_cnmi_test(line: str) -> CnmiSupport:
    """``+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)`` -> CnmiSupport (missing groups are ())."""
    groups = split_fields(strip_prefix(line, "+CNMI"))
    if not groups or not all(groups):
        raise ValueError(f"not a +CNMI=? response: {line!r}")
    sets = [_int_set(group, line) for group in groups[:5]]
    sets += [()] * (5 - len(sets))
    return CnmiSupport(*sets)


def choose_cnmi(support: CnmiSupport) -> str:
    """Pick the ``AT+CNMI`` setting we want from what the modem supports.

    mode 2 (else 1, else 0; buffer URCs while the link is busy), mt=1 (store + ``+CMTI``:
    never mt=2, which loses unacknowledged messages), bm=0, ds=1 (``+CDS`` with the PDU,
    else 2 = stored + ``+CDSI``, else 0), bfr=0 if listed (left out otherwise).

    Raises:
        ValueError: if the modem cannot do mt=1 or lists no usable mode.
    """
    mode = next((m for m in (2, 1, 0) if m in support.mode), None)
    if mode is None:
        raise ValueError(f"no usable CNMI mode in {support.mode}")
    if 1 not in support.mt:
        raise ValueError(f"modem cannot store and signal new SMS (CNMI mt=1): {support.mt}")
    bm = 0 if 0 in support.bm or not support.bm else min(support.bm)
    ds = next((d for d in (1, 2, 0) if d in support.ds), 0)
    command = f"AT+CNMI={mode},1,{bm},{ds}"
    if 0 in support.bfr:
        command += ",0"
    return command

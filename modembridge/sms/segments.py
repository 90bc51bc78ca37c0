"""Choosing the alphabet and splitting a text into SMS parts without breaking characters."""

from __future__ import annotations

from collections.abc import Callable

from .errors import TextError
from .graphemes import cluster_spans, crlf_spans
from .gsm7 import gsm7_cost, is_gsm7, non_gsm7_chars, septets_needed
from .models import Encoding, SegmentPlan
from .ucs2 import has_lone_surrogate, utf16_cost, utf16_units

__all__ = ["MAX_PARTS", "capacity", "plan_segments", "text_units"]

MAX_PARTS = 255  # the concatenation IE counts parts in one octet

# (single part, with 8-bit concat UDH, with 16-bit concat UDH)
_CAPACITY: dict[Encoding, tuple[int, int, int]] = {
    Encoding.GSM7: (160, 153, 152),
    Encoding.UCS2: (70, 67, 66),
}


def capacity(encoding: Encoding, *, concat: bool, concat_16bit: bool = False) -> int:
    """Units that fit in one part: septets for GSM-7, UTF-16 code units for UCS-2."""
    single, c8, c16 = _CAPACITY[encoding]
    if not concat:
        return single
    return c16 if concat_16bit else c8


def _cost_fn(encoding: Encoding) -> Callable[[str], int]:
    return gsm7_cost if encoding is Encoding.GSM7 else utf16_cost


def text_units(text: str, encoding: Encoding) -> int:
    """Septets (GSM-7, extension characters count 2) or UTF-16 units (UCS-2) of ``text``.

    Raises:
        KeyError: ``encoding`` is GSM-7 and the text is not.
    """
    if encoding is Encoding.UCS2:
        return utf16_units(text)
    return septets_needed(text)


def plan_segments(
    text: str, *, force_ucs2: bool = False, concat_16bit: bool = False
) -> SegmentPlan:
    """Choose the alphabet and split ``text`` into SMS parts.

    GSM-7 is used when every character is in the default alphabet or its extension table
    (unless ``force_ucs2``); otherwise the whole text goes UCS-2 (UTF-16). A part boundary
    never falls inside an ESC pair, a surrogate pair or a grapheme cluster (flags, ZWJ
    sequences, skin tones, combining marks, variation selectors, keycaps); only a cluster
    longer than a whole part is cut, and then between code points.

    Args:
        text: the message. An empty text gives a plan with no parts.
        force_ucs2: send UCS-2 even if the text is GSM-7.
        concat_16bit: plan for the 16-bit concatenation reference (one unit less per part).

    Returns:
        The plan; ``"".join(plan.parts) == text``.

    Raises:
        TextError: the text holds an unpaired surrogate or needs more than 255 parts.
    """
    if has_lone_surrogate(text):
        raise TextError("text contains an unpaired UTF-16 surrogate and cannot be encoded")
    gsm = not force_ucs2 and is_gsm7(text)
    encoding = Encoding.GSM7 if gsm else Encoding.UCS2
    forcing = () if gsm else non_gsm7_chars(text)
    single = capacity(encoding, concat=False)
    total = text_units(text, encoding)
    if total <= single:
        parts: tuple[str, ...] = (text,) if text else ()
        return SegmentPlan(encoding, parts, single, total, single - total, forcing)
    per_part = capacity(encoding, concat=True, concat_16bit=concat_16bit)
    spans = crlf_spans(text) if gsm else cluster_spans(text)
    parts, used_last = _split(text, spans, per_part, _cost_fn(encoding))
    if len(parts) > MAX_PARTS:
        raise TextError(f"text too long: {len(parts)} parts, at most {MAX_PARTS} allowed")
    return SegmentPlan(encoding, parts, per_part, used_last, per_part - used_last, forcing)


def _split(
    text: str, spans: list[tuple[int, int]], per_part: int, cost: Callable[[str], int]
) -> tuple[tuple[str, ...], int]:
    """Greedy split on grapheme cluster boundaries; returns the parts and units in the last."""
    parts: list[str] = []
    part_start = 0
    used = 0
    for start, end in spans:
        # Most clusters are one code point: skip the slice for them.
        units = cost(text[start]) if end - start == 1 else sum(map(cost, text[start:end]))
        if used + units <= per_part:
            used += units
            continue
        if used:
            parts.append(text[part_start:start])
            part_start = start
            used = 0
        if units <= per_part:
            used = units
            continue
        # Last resort: a cluster longer than a part is cut between code points (never inside
        # a surrogate pair or an ESC pair, since those are single code points here).
        for i in range(start, end):
            units = cost(text[i])
            if used + units > per_part:
                parts.append(text[part_start:i])
                part_start = i
                used = 0
            used += units
    parts.append(text[part_start:])
    return tuple(parts), used

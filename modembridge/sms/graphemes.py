"""Extended grapheme clusters (a practical subset of Unicode UAX #29), standard library only.

Covers what matters for splitting SMS: CR LF, combining marks, spacing marks, variation
selectors, emoji modifiers (skin tones), ZWJ emoji sequences, regional-indicator flag pairs,
keycaps (U+20E3), tag sequences (subdivision flags), Hangul syllable sequences, prepended
concatenation marks and Indic conjuncts (consonant + virama + consonant, GB9c).
Extended_Pictographic and the Indic consonant sets are approximated by code point ranges.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["cluster_spans", "clusters", "crlf_spans"]

# Grapheme cluster break classes. _PICTO and _CONSONANT are kinds of "Other"
# (Extended_Pictographic, InCB=Consonant); _LINKER is an Extend that is a virama (InCB=Linker).
(
    _OTHER,
    _PICTO,
    _CONSONANT,
    _CR,
    _LF,
    _CONTROL,
    _EXTEND,
    _LINKER,
    _ZWJ,
    _RI,
    _SPACING,
    _PREPEND,
    _L,
    _V,
    _T,
    _LV,
    _LVT,
) = range(17)
_EXTENDING = (_EXTEND, _LINKER, _ZWJ)

# Indic_Conjunct_Break (Unicode 15.1): viramas that link consonants, and those consonants.
_LINKERS = frozenset({0x094D, 0x09CD, 0x0ACD, 0x0B4D, 0x0C4D, 0x0D4D})
_CONSONANT_RANGES: tuple[tuple[int, int], ...] = (
    (0x0915, 0x0939),
    (0x0958, 0x095F),
    (0x0978, 0x097F),
    (0x0995, 0x09A8),
    (0x09AA, 0x09B0),
    (0x09B2, 0x09B2),
    (0x09B6, 0x09B9),
    (0x09DC, 0x09DD),
    (0x09DF, 0x09DF),
    (0x09F0, 0x09F1),
    (0x0A95, 0x0AA8),
    (0x0AAA, 0x0AB0),
    (0x0AB2, 0x0AB3),
    (0x0AB5, 0x0AB9),
    (0x0AF9, 0x0AF9),
    (0x0B15, 0x0B28),
    (0x0B2A, 0x0B30),
    (0x0B32, 0x0B33),
    (0x0B35, 0x0B39),
    (0x0B5C, 0x0B5D),
    (0x0B5F, 0x0B5F),
    (0x0B71, 0x0B71),
    (0x0C15, 0x0C28),
    (0x0C2A, 0x0C39),
    (0x0C58, 0x0C5A),
    (0x0D15, 0x0D3A),
)
# Grapheme_Cluster_Break=Prepend (mostly Arabic number signs) and the two Lo spacing marks.
_PREPEND_RANGES: tuple[tuple[int, int], ...] = (
    (0x0600, 0x0605),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x0D4E, 0x0D4E),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x111C2, 0x111C3),
    (0x1193F, 0x1193F),
    (0x11941, 0x11941),
    (0x11A3A, 0x11A3A),
    (0x11A84, 0x11A89),
    (0x11D46, 0x11D46),
    (0x11F02, 0x11F02),
)
_SPACING_EXTRA = frozenset({0x0E33, 0x0EB3})  # Thai / Lao SARA AM
# Spacing marks (Mc) that UAX #29 excludes from SpacingMark: they do not join the cluster.
_NOT_SPACING = frozenset(
    (
        *(0x102B, 0x102C, 0x1038, 0x1062, 0x1063, 0x1064, *range(0x1067, 0x106E), 0x1083),
        *(*range(0x1087, 0x108D), 0x108F, 0x109A, 0x109B, 0x109C, 0x1A61, 0x1A63, 0x1A64),
        *(0xAA7B, 0xAA7D, 0x11720, 0x11721),
    )
)

# Approximation of Extended_Pictographic: the emoji blocks plus the BMP symbols that emoji
# presentation applies to. Used only for "ZWJ joins a pictograph" (GB11).
_PICTO_RANGES: tuple[tuple[int, int], ...] = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x21AA),
    (0x231A, 0x23FF),
    (0x24C2, 0x24C2),
    (0x25AA, 0x25FE),
    (0x2600, 0x27BF),
    (0x2934, 0x2935),
    (0x2B05, 0x2B55),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3297),
    (0x3299, 0x3299),
    (0x1F000, 0x1F1E5),
    (0x1F200, 0x1F3FA),
    (0x1F400, 0x1FAFF),
    (0x1FC00, 0x1FFFD),
)


def _in(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


@lru_cache(maxsize=4096)
def _break_class(ch: str) -> int:
    cp = ord(ch)
    if cp == 0x0D:
        return _CR
    if cp == 0x0A:
        return _LF
    if cp == 0x200D:
        return _ZWJ
    if 0x1F1E6 <= cp <= 0x1F1FF:
        return _RI
    if (
        0x1F3FB <= cp <= 0x1F3FF  # emoji modifiers (skin tones)
        or 0xE0020 <= cp <= 0xE007F  # tag characters
        or cp == 0x200C  # ZWNJ
        or 0xFF9E <= cp <= 0xFF9F  # halfwidth katakana sound marks
    ):
        return _EXTEND
    if cp in _LINKERS:
        return _LINKER
    if cp in _SPACING_EXTRA:
        return _SPACING
    if _in(cp, _PREPEND_RANGES):
        return _PREPEND
    hangul = _hangul_class(cp)
    if hangul is not None:
        return hangul
    category = unicodedata.category(ch)
    if category in ("Mn", "Me") or unicodedata.combining(ch):
        return _EXTEND  # includes variation selectors and the keycap U+20E3
    if category == "Mc" and cp not in _NOT_SPACING:
        return _SPACING
    if category in ("Cc", "Zl", "Zp", "Cf", "Cs"):
        return _CONTROL
    if _in(cp, _PICTO_RANGES):
        return _PICTO
    return _CONSONANT if _in(cp, _CONSONANT_RANGES) else _OTHER


def _hangul_class(cp: int) -> int | None:
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return _L
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return _V
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return _T
    if 0xAC00 <= cp <= 0xD7A3:
        return _LV if (cp - 0xAC00) % 28 == 0 else _LVT
    return None


_HANGUL_JOINS: frozenset[tuple[int, int]] = frozenset(
    [(_L, x) for x in (_L, _V, _LV, _LVT)]
    + [(x, y) for x in (_LV, _V) for y in (_V, _T)]
    + [(x, _T) for x in (_LVT, _T)]
)


def _is_boundary(prev: int, cur: int, ri_run: int, picto_zwj: bool, linked: bool) -> bool:
    """Decide whether a cluster boundary lies between two characters of classes prev, cur.

    ``ri_run``: regional indicators in a row so far; ``picto_zwj``: the cluster so far is
    "pictograph Extend* ZWJ"; ``linked``: it ends "consonant [Extend|Linker]* Linker ...".
    """
    if prev == _CR and cur == _LF:
        return False  # GB3
    if prev in (_CR, _LF, _CONTROL) or cur in (_CR, _LF, _CONTROL):
        return True  # GB4, GB5
    if (prev, cur) in _HANGUL_JOINS:
        return False  # GB6-GB8
    if cur in _EXTENDING or cur == _SPACING:
        return False  # GB9, GB9a
    if prev == _PREPEND:
        return False  # GB9b
    if linked and cur == _CONSONANT:
        return False  # GB9c
    if prev == _ZWJ and picto_zwj and cur == _PICTO:
        return False  # GB11
    # GB12/GB13: regional indicators pair up; an odd run so far means ``ch`` completes a flag.
    return not (prev == _RI and cur == _RI and ri_run % 2 == 1)


def cluster_spans(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into extended grapheme clusters.

    Args:
        text: any text.

    Returns:
        ``(start, end)`` index pairs covering the text in order.
    """
    n = len(text)
    if n == 0:
        return []
    if text.isascii():
        return crlf_spans(text)
    spans: list[tuple[int, int]] = []
    start = 0
    prev = _OTHER
    ri_run = 0  # regional indicators seen in a row
    picto = False  # the cluster so far is "pictograph Extend*" (GB11)
    picto_zwj = False  # ... followed by a ZWJ
    conjunct = 0  # GB9c: 1 after a consonant (+ extends), 2 once a linker followed it
    for i, ch in enumerate(text):
        cur = _break_class(ch)
        if i and _is_boundary(prev, cur, ri_run, picto_zwj, conjunct == 2):
            spans.append((start, i))
            start = i
        if cur == _ZWJ:
            picto_zwj, picto = picto, False
        elif cur in _EXTENDING:
            picto_zwj = False
        else:
            picto, picto_zwj = cur == _PICTO, False
        if cur == _CONSONANT:
            conjunct = 1
        elif cur == _LINKER and conjunct:
            conjunct = 2
        elif cur not in _EXTENDING:
            conjunct = 0
        ri_run = ri_run + 1 if cur == _RI else 0
        prev = cur
    spans.append((start, n))
    return spans


def crlf_spans(text: str) -> list[tuple[int, int]]:
    """Clusters of a text whose only multi-character cluster can be CR LF.

    True for ASCII and for any GSM-7 text (the GSM alphabet has no combining characters).
    """
    if "\r\n" not in text:
        return [(i, i + 1) for i in range(len(text))]
    spans: list[tuple[int, int]] = []
    i = 0
    n = len(text)
    while i < n:
        end = i + 2 if text.startswith("\r\n", i) else i + 1
        spans.append((i, end))
        i = end
    return spans


def clusters(text: str) -> list[str]:
    """Extended grapheme clusters of ``text`` as strings."""
    return [text[a:b] for a, b in cluster_spans(text)]

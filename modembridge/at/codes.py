"""+CME / +CMS error code tables (3GPP TS 27.007 9.2, TS 27.005 3.2.5) and their verbose texts.

Permanent vs transient is decided here, by table, not by scattered ifs:

* ``transient`` means "the same command may succeed later without a human changing anything"
  (SIM still busy after the PIN, no network for a moment, store full until we delete).
* ``permanent`` means "retrying is pointless or harmful" (wrong PDU, PIN/PUK needed, SIM
  missing, SMSC not configured, barred destination).

Codes in neither table: +CMS codes default to transient (the send path; a bounded retry is
cheaper than dropping a message), +CME codes default to permanent (they come from
configuration and SIM commands, where blind retries can burn PIN attempts). Vendor ranges
(CMS >= 512) are transient: they are "not ready"/"busy"-style states on SIMCom/Quectel/Huawei.
"""

from __future__ import annotations

import re

__all__ = [
    "CME_MEANINGS",
    "CMS_MEANINGS",
    "PERMANENT_CME",
    "PERMANENT_CMS",
    "TRANSIENT_CME",
    "TRANSIENT_CMS",
    "cme_code_for_text",
    "cme_is_transient",
    "cme_meaning",
    "cms_code_for_text",
    "cms_is_transient",
    "cms_meaning",
]

CME_MEANINGS: dict[int, str] = {
    0: "phone failure",
    1: "no connection to phone",
    2: "phone-adaptor link reserved",
    3: "operation not allowed",
    4: "operation not supported",
    5: "PH-SIM PIN required",
    6: "PH-FSIM PIN required",
    7: "PH-FSIM PUK required",
    10: "SIM not inserted",
    11: "SIM PIN required",
    12: "SIM PUK required",
    13: "SIM failure",
    14: "SIM busy",
    15: "SIM wrong",
    16: "incorrect password",
    17: "SIM PIN2 required",
    18: "SIM PUK2 required",
    20: "memory full",
    21: "invalid index",
    22: "not found",
    23: "memory failure",
    24: "text string too long",
    25: "invalid characters in text string",
    26: "dial string too long",
    27: "invalid characters in dial string",
    30: "no network service",
    31: "network timeout",
    32: "network not allowed - emergency calls only",
    40: "network personalization PIN required",
    41: "network personalization PUK required",
    100: "unknown",
    103: "illegal MS",
    106: "illegal ME",
    107: "GPRS services not allowed",
    111: "PLMN not allowed",
    112: "location area not allowed",
    113: "roaming not allowed in this location area",
    132: "service option not supported",
    133: "requested service option not subscribed",
    134: "service option temporarily out of order",
    148: "unspecified GPRS error",
    149: "PDP authentication failure",
    150: "invalid mobile class",
    262: "SIM blocked",
}

CMS_MEANINGS: dict[int, str] = {
    1: "unassigned (unallocated) number",
    8: "operator determined barring",
    10: "call barred",
    21: "short message transfer rejected",
    27: "destination out of service",
    28: "unidentified subscriber",
    29: "facility rejected",
    30: "unknown subscriber",
    38: "network out of order",
    41: "temporary failure",
    42: "congestion",
    47: "resources unavailable, unspecified",
    50: "requested facility not subscribed",
    69: "requested facility not implemented",
    81: "invalid short message transfer reference value",
    95: "invalid message, unspecified",
    96: "invalid mandatory information",
    97: "message type non-existent or not implemented",
    98: "message not compatible with short message protocol state",
    99: "information element non-existent or not implemented",
    111: "protocol error, unspecified",
    127: "interworking, unspecified",
    208: "SIM SMS storage full",
    211: "memory capacity exceeded",
    212: "SIM application toolkit busy",
    255: "unspecified error cause",
    300: "ME failure",
    301: "SMS service of ME reserved",
    302: "operation not allowed",
    303: "operation not supported",
    304: "invalid PDU mode parameter",
    305: "invalid text mode parameter",
    310: "SIM not inserted",
    311: "SIM PIN required",
    312: "PH-SIM PIN required",
    313: "SIM failure",
    314: "SIM busy",
    315: "SIM wrong",
    316: "SIM PUK required",
    317: "SIM PIN2 required",
    318: "SIM PUK2 required",
    320: "memory failure",
    321: "invalid memory index",
    322: "memory full",
    330: "SMSC address unknown",
    331: "no network service",
    332: "network timeout",
    340: "no +CNMA acknowledgement expected",
    500: "unknown error",
}

# SIM busy, network hiccups, "unknown" (the classic send failure). 322 (memory full) is a
# storage state that clears once we delete read messages: transient for retries.
TRANSIENT_CME: frozenset[int] = frozenset({14, 30, 31, 100, 134, 148, 515})
TRANSIENT_CMS: frozenset[int] = frozenset(
    {27, 38, 41, 42, 47, 98, 111, 127, 208, 211, 212, 300, 314, 320, 322, 331, 332, 500}
)

# Wrong input, missing SIM/PIN/PUK, unsupported, barred: retrying cannot help. 330 (SMSC
# address unknown) is a configuration problem: someone has to set AT+CSCA.
PERMANENT_CME: frozenset[int] = frozenset(
    {3, 4, 5, 6, 7, 10, 11, 12, 13, 15, 16, 17, 18, 21, 22, 24, 25, 26, 27, 32, 40, 41, 262}
)
PERMANENT_CMS: frozenset[int] = frozenset(
    {1, 8, 10, 21, 28, 29, 30, 50, 69, 81, 95, 96, 97, 99}
    | {301, 302, 303, 304, 305, 310, 311, 312, 313, 315, 316, 317, 318, 321, 330, 340}
)

# Vendor spellings of verbose (CMEE=2) texts that differ from the 3GPP wording.
_CME_ALIASES: dict[str, int] = {
    "sim pin necessary": 11,
    "sim puk necessary": 12,
    "wrong password": 16,
    "invalid password": 16,
    "no network": 30,
    "sim not ready": 14,  # SIMCom/Quectel while the SIM initialises: same state as busy
    "unknown error": 100,
}
_CMS_ALIASES: dict[str, int] = {
    "unknown": 500,
    "sim pin necessary": 311,
    "sim not ready": 314,
    "invalid pdu mode": 304,
    "invalid memory index": 321,
    "invalid index": 321,
    "memory full": 322,
}


def _norm(text: str) -> str:
    """Fold case, whitespace and trailing dots so vendor spellings compare equal."""
    return re.sub(r"\s+", " ", text.strip().strip(".").strip()).casefold()


def _reverse(table: dict[int, str], aliases: dict[str, int]) -> dict[str, int]:
    out = {_norm(text): code for code, text in table.items()}
    out.update(aliases)
    return out


_CME_BY_TEXT = _reverse(CME_MEANINGS, _CME_ALIASES)
_CMS_BY_TEXT = _reverse(CMS_MEANINGS, _CMS_ALIASES)


def cme_code_for_text(text: str) -> int | None:
    """Map a verbose +CME text (``SIM PIN required``) to its code, None if unknown."""
    return _CME_BY_TEXT.get(_norm(text))


def cms_code_for_text(text: str) -> int | None:
    """Map a verbose +CMS text (``SIM busy``) to its code, None if unknown."""
    return _CMS_BY_TEXT.get(_norm(text))


def cme_meaning(code: int | None) -> str:
    """Human meaning of a +CME code ("CME error <n>" if not in the table)."""
    if code is None:
        return "unmapped CME error"
    return CME_MEANINGS.get(code, f"CME error {code}")


def cms_meaning(code: int | None) -> str:
    """Human meaning of a +CMS code; 512+ is "manufacturer specific"."""
    if code is None:
        return "unmapped CMS error"
    if code in CMS_MEANINGS:
        return CMS_MEANINGS[code]
    if code >= 512:
        return f"manufacturer specific ({code})"
    return f"CMS error {code}"


def cme_is_transient(code: int | None) -> bool:
    """True if a +CME error with this code is worth retrying later (see module doc)."""
    if code is None:
        return False
    return code in TRANSIENT_CME


def cms_is_transient(code: int | None) -> bool:
    """True if a +CMS error with this code is worth retrying later (see module doc)."""
    if code is None:
        return True
    # Anything not known to be permanent is retried (bounded by the caller).
    return code in TRANSIENT_CMS or code not in PERMANENT_CMS

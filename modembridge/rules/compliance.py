"""Built-in compliance keywords and free-text revocations (pure; FIELD-NOTES section 7).

`classify(text, join_keyword)` says whether an inbound text is an opt-out, an opt-in, a
double-opt-in request (JOIN), a HELP request, or none of these. Opt-out wins over everything:
a keyword alone (any case, punctuation, diacritics), a keyword as a clause of its own
("Thanks. STOP"), or a revocation "in any reasonable manner" ("please stop texting me",
"no more messages", "unsubscribe me", "don't text me").
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Literal

from modembridge.rules.normalize import fold, key

# Whole-message keywords, as written in FIELD-NOTES; compared by `key`.
OPT_OUT_WORDS = (
    "STOP",
    "STOPALL",
    "STOP ALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
    "OPT OUT",
    "OPT-OUT",
    "REMOVE",
    "ARRET",
    "ARRÊT",
)
OPT_IN_WORDS = ("START", "YES", "UNSTOP")
HELP_WORDS = ("HELP", "INFO")

OPT_OUT_KEYS = frozenset(key(w) for w in OPT_OUT_WORDS)
OPT_IN_KEYS = frozenset(key(w) for w in OPT_IN_WORDS)
HELP_KEYS = frozenset(key(w) for w in HELP_WORDS)

Intent = Literal["opt_out", "opt_in", "join", "help"]

# Clause separators: "STOP!!! who is this" and "Thanks. Stop" carry a keyword on its own.
_CLAUSES = re.compile(r"[.!?,;:\n()\[\]]+")
_POLITE = (
    r"(?:please|pls|plz|kindly|ok|okay|now|it|all|this|that|thanks|thank you|thx|ty|asap"
    r"|immediately|right now|already|again|them|these|those|me|sir|maam)"
)
_KEYWORD = r"(?:stop|stopall|quit|cancel|end|unsubscribe|unsub|remove|revoke|optout|opt out)"
_MEDIUM = (
    r"(?:text|texts|texting|txt|txts|txting|message|messages|messaging|msg|msgs|sms|smss"
    r"|sending|send|contacting|contact|spam|spamming|spams|calling|bothering|emailing)"
)
_WHO = r"(?:me|us|him|her|this number|my number|my phone|this phone|anymore|again)"
_REVOCATIONS = (
    # "stop please", "please STOP now", "stop stop stop", "stop it thanks"
    re.compile(rf"^(?:{_POLITE} )*{_KEYWORD}(?: (?:{_KEYWORD}|{_POLITE}))*$"),
    # "stop texting me", "quit sending these messages", "cease contacting me"
    re.compile(
        rf"\b(?:stop|quit|cease|end)(?: (?:the|these|those|all|your|ur|sending))? {_MEDIUM}\b"
    ),
    # "don't text me", "do not message this number", "never contact me again"
    re.compile(rf"\b(?:dont|do not|never|pls dont|please dont) {_MEDIUM} {_WHO}\b"),
    re.compile(rf"\b(?:dont|do not|never) {_MEDIUM}$"),
    # "no more texts", "no more messages please"
    re.compile(
        r"\bno more (?:text|texts|txt|txts|message|messages|msg|msgs|sms|smss|spam"
        r"|marketing|promos?|promotions|offers|ads|alerts|notifications)\b"
    ),
    # "unsubscribe me", "opt me out", "take me off your list", "remove me", "wrong number"
    re.compile(
        r"\b(?:unsubscribe|unsub|opt me out|opt out|optout|take me off|remove me|remove my"
        r" number|delete me|delete my number|leave me alone|wrong number|not my number)\b"
    ),
)
# A negation right before a stop phrase turns it around: "please don't stop texting me".
_NEGATED = re.compile(r"\b(?:dont|do not|never|wont|will not|cant|cannot|didnt|did not)$")


@dataclass(frozen=True)
class ComplianceMatch:
    """A compliance keyword or revocation found in a text."""

    intent: Intent
    source: Literal["keyword", "revocation"]
    keyword: str  # the keyword as the key form, or the revocation phrase found


def is_opt_out_keyword(text: str) -> bool:
    """True when the whole text is an opt-out keyword (any case, punctuation, diacritics)."""
    return key(text) in OPT_OUT_KEYS


def classify(text: str, join_keyword: str = "JOIN") -> ComplianceMatch | None:
    """The compliance meaning of an inbound text, or None for ordinary messages.

    Args:
        text: the inbound text as received.
        join_keyword: the configurable double-opt-in keyword (JOIN by default).
    """
    whole = key(text)
    if not whole:
        return None
    if whole in OPT_OUT_KEYS:
        return ComplianceMatch("opt_out", "keyword", whole)
    revocation = find_revocation(text)
    if revocation is not None:
        return ComplianceMatch("opt_out", "revocation", revocation)
    if whole in OPT_IN_KEYS:
        return ComplianceMatch("opt_in", "keyword", whole)
    if whole == key(join_keyword):
        return ComplianceMatch("join", "keyword", whole)
    if whole in HELP_KEYS:
        return ComplianceMatch("help", "keyword", whole)
    return None


def find_revocation(text: str) -> str | None:
    """The phrase by which `text` revokes consent, or None.

    A clause that is an opt-out keyword on its own counts ("STOP!!! who is this"), as do the
    phrases above unless a negation comes right before them.
    """
    for clause in _CLAUSES.split(fold(text)):
        if key(clause) in OPT_OUT_KEYS:
            return key(clause)
    whole = key(text)
    for pattern in _REVOCATIONS:
        for found in pattern.finditer(whole):
            if not _NEGATED.search(whole[: found.start()].rstrip()):
                return found.group(0)
    return None


def reserved_keys(join_keyword: str) -> frozenset[str]:
    """Keys user rules may not use: they belong to compliance and would never be reached."""
    return OPT_OUT_KEYS | OPT_IN_KEYS | HELP_KEYS | {key(join_keyword)}


# --- the texts sent; `{brand}` comes from the config ------------------------------------------

OPT_OUT_REPLY = (
    "{brand}: You are unsubscribed and will receive no more messages. Reply START to resubscribe."
)
OPT_IN_REPLY = (
    "{brand}: You are subscribed. Msg&data rates may apply. Reply HELP for help, STOP to opt out."
)
JOIN_REQUEST = (
    "{brand}: Reply YES to confirm you want to receive text messages from us. "
    "Msg&data rates may apply. Reply STOP to opt out."
)
DEFAULT_HELP = (
    "{brand}: For help, reply to this message and a person will get back to you. "
    "Msg&data rates may apply. Reply STOP to opt out."
)


def settings_problem(join_keyword: str, help_text: str) -> str | None:
    """What is wrong with the configurable JOIN keyword and HELP text, or None."""
    if not re.fullmatch(r"[A-Za-z0-9]{1,20}", join_keyword):
        return "join_keyword must be one word of 1-20 letters or digits"
    if key(join_keyword) in OPT_OUT_KEYS | OPT_IN_KEYS | HELP_KEYS:
        return f"join_keyword {join_keyword!r} is already a STOP/START/HELP keyword"
    if not help_text.strip() or len(help_text) > 320:
        return "help_text must be 1-320 characters"
    if "stop" not in key(help_text).split():
        return 'help_text must tell people how to opt out ("Reply STOP to opt out")'
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(help_text) if name is not None}
    except ValueError as exc:
        return f"help_text: {exc}"
    if names - {"brand"}:
        return "help_text may only use the {brand} placeholder"
    return None

"""Timed lines from the simulator's wire feed: host commands and modem output.

Events are ``(time, direction, text)`` chunks; a line is timed by the chunk that completes it
(the moment the modem has the whole command, or the host could have the whole URC).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Event = tuple[float, str, str]
_HOST_END = re.compile(r"[\r\x1a\x1b]")  # a command ends with CR; a typed PDU with Ctrl-Z/ESC


def lines(events: Iterable[Event], direction: str) -> list[tuple[float, str]]:
    """Complete lines in one direction (``>`` host, ``<`` modem), each with its time."""
    out: list[tuple[float, str]] = []
    buffer = ""
    splitter = _HOST_END if direction == ">" else re.compile(r"\r\n|\r|\n")
    for moment, side, text in events:
        if side != direction:
            continue
        buffer += text
        parts = splitter.split(buffer)
        buffer = parts.pop()
        out.extend((moment, part.strip()) for part in parts if part.strip())
    return out


def commands(events: Iterable[Event]) -> list[tuple[float, str]]:
    """AT command lines the host sent (typed PDUs and stray bytes are not commands)."""
    return [(t, line) for t, line in lines(events, ">") if line[:2].upper() == "AT"]


def modem_lines(events: Iterable[Event], prefix: str) -> list[float]:
    """Times of modem output lines starting with ``prefix`` (e.g. ``+CMTI:``)."""
    return [t for t, line in lines(events, "<") if line.startswith(prefix)]


def command_times(events: Iterable[Event], prefix: str) -> list[float]:
    """Times of host commands starting with ``prefix`` (e.g. ``AT+CMGS=``)."""
    return [t for t, line in commands(events) if line.upper().startswith(prefix)]

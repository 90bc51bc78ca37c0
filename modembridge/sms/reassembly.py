"""Multipart (concatenated) SMS reassembly: pure logic, time is an argument."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .errors import PduError
from .models import AssembledMessage, Deliver
from .ucs2 import decode_ucs2

__all__ = ["Reassembler", "combine_parts"]

_Key = tuple[str, int, int]  # sender, concat reference, total


def _join_text(parts: Sequence[Deliver]) -> str:
    """Join part texts in order; consecutive UCS-2 parts are joined as UTF-16 first, so a
    surrogate pair split across two parts (some phones do this) becomes one emoji again."""
    out: list[str] = []
    run = bytearray()
    prev_seq: int | None = None
    for part in parts:
        seq = part.concat.sequence if part.concat else 1
        contiguous = prev_seq is not None and seq == prev_seq + 1
        if run and (part.ucs2_data is None or not contiguous):
            out.append(decode_ucs2(bytes(run)))
            run.clear()
        if part.ucs2_data is not None:
            run += part.ucs2_data
        else:
            out.append(part.text)
        prev_seq = seq
    if run:
        out.append(decode_ucs2(bytes(run)))
    return "".join(out)


def combine_parts(parts: Sequence[Deliver]) -> AssembledMessage:
    """Combine the parts of one message (any order; duplicate sequence numbers ignored).

    Args:
        parts: SMS-DELIVERs of the same sender and concatenation reference/total, or a single
            message without concatenation.

    Returns:
        The message; ``complete`` is False and ``missing`` lists absent part numbers when
        parts are missing (the text then joins what is there in sequence order).

    Raises:
        PduError: no parts, or parts of different messages.
    """
    if not parts:
        raise PduError("combine_parts needs at least one part")
    first = parts[0]
    if first.concat is None:
        if len(parts) > 1:
            raise PduError("several parts given but the first has no concatenation header")
        return _single(first)
    key = (first.sender, first.concat.reference, first.concat.total)
    by_seq: dict[int, Deliver] = {}
    for part in parts:
        if part.concat is None or (part.sender, part.concat.reference, part.concat.total) != key:
            raise PduError("parts belong to different messages (sender/reference/total differ)")
        by_seq.setdefault(part.concat.sequence, part)
    total = first.concat.total
    ordered = [by_seq[s] for s in sorted(by_seq)]
    missing = tuple(s for s in range(1, total + 1) if s not in by_seq)
    return AssembledMessage(
        sender=first.sender,
        text=_join_text(ordered),
        parts_received=len(ordered),
        parts_total=total,
        complete=not missing,
        missing=missing,
        first_timestamp=min(p.timestamp for p in ordered),
        pdus=tuple(p.pdu for p in ordered),
        concat_reference=first.concat.reference,
        sender_type=first.sender_type,
    )


def _single(deliver: Deliver) -> AssembledMessage:
    return AssembledMessage(
        sender=deliver.sender,
        text=deliver.text,
        parts_received=1,
        parts_total=1,
        complete=True,
        missing=(),
        first_timestamp=deliver.timestamp,
        pdus=(deliver.pdu,),
        concat_reference=deliver.concat.reference if deliver.concat else None,
        sender_type=deliver.sender_type,
    )


@dataclass
class _Group:
    started: datetime
    parts: dict[int, Deliver] = field(default_factory=dict)


class Reassembler:
    """Collects parts of concatenated messages in memory.

    Parts are keyed by (sender, concat reference, total) and may arrive in any order.
    A part whose exact PDU was already seen (pending, or in a message completed within the
    timeout) is ignored.
    """

    def __init__(self, timeout: timedelta) -> None:
        """Create an empty reassembler.

        Args:
            timeout: how long to wait for missing parts after the first part arrived.
        """
        self.timeout = timeout
        self._groups: dict[_Key, _Group] = {}
        self._done: dict[tuple[_Key, str], datetime] = {}  # recently completed parts' PDUs

    @property
    def pending(self) -> int:
        """Number of incomplete messages being held."""
        return len(self._groups)

    def add(self, deliver: Deliver, received_at: datetime) -> AssembledMessage | None:
        """Add one received SMS-DELIVER.

        Returns:
            The assembled message when this completes it (a single-part message at once),
            else None (also for a duplicate part).
        """
        concat = deliver.concat
        if concat is None or concat.total <= 1:
            return _single(deliver)
        key = (deliver.sender, concat.reference, concat.total)
        if (key, deliver.pdu) in self._done:
            return None
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group(started=received_at)
        if concat.sequence in group.parts:
            return None
        group.parts[concat.sequence] = deliver
        if len(group.parts) < concat.total:
            return None
        del self._groups[key]
        self._forget_done(received_at - self.timeout)
        for part in group.parts.values():
            self._done[(key, part.pdu)] = received_at
        return combine_parts(list(group.parts.values()))

    def expire(self, now: datetime) -> list[AssembledMessage]:
        """Give up on messages whose first part arrived at least ``timeout`` before ``now``.

        Returns:
            The incomplete messages (``complete=False``), oldest first; they are forgotten.
        """
        cutoff = now - self.timeout
        self._forget_done(cutoff)
        stale = sorted(
            (group.started, key) for key, group in self._groups.items() if group.started <= cutoff
        )
        out: list[AssembledMessage] = []
        for _, key in stale:
            group = self._groups.pop(key)
            out.append(combine_parts(list(group.parts.values())))
        return out

    def _forget_done(self, cutoff: datetime) -> None:
        """Drop the memory of messages completed at or before ``cutoff``."""
        if self._done:
            self._done = {k: t for k, t in self._done.items() if t > cutoff}

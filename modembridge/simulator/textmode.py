"""Text-mode (AT+CMGF=1) rendering of stored PDUs, for clients such as gammu that try it."""

from __future__ import annotations

from datetime import datetime

from modembridge.simulator.storage import STAT_NAMES
from modembridge.sms import Deliver, PduError, StatusReport, Submit, decode_pdu

__all__ = ["format_text_entry", "scts_text"]


def scts_text(moment: datetime) -> str:
    """``yy/MM/dd,hh:mm:ss+zz`` with the zone in signed quarter hours (27.005 text mode)."""
    offset = moment.utcoffset()
    quarters = int(offset.total_seconds() // 900) if offset is not None else 0
    return moment.strftime("%y/%m/%d,%H:%M:%S") + f"{quarters:+03d}"


def _type_of(number: str) -> int:
    return 145 if number.startswith("+") else 129


def format_text_entry(prefix: str, index: int | None, stat: int, pdu: str) -> list[str]:
    """Header (and text) lines of one stored message; index None for ``+CMGR``.

    A PDU that does not decode is left out, as firmware skips records it cannot render.
    """
    try:
        decoded = decode_pdu(pdu, smsc_included=True)
    except PduError:
        return []
    head = f"{prefix}: " + (f"{index}," if index is not None else "") + f'"{STAT_NAMES[stat]}"'
    if isinstance(decoded, Deliver):
        return [f'{head},"{decoded.sender}",,"{scts_text(decoded.timestamp)}"', decoded.text]
    if isinstance(decoded, StatusReport):
        fields = (
            f'6,{decoded.message_reference},"{decoded.recipient}",{_type_of(decoded.recipient)}',
            f'"{scts_text(decoded.timestamp)}","{scts_text(decoded.discharge_time)}"',
            str(decoded.status),
        )
        return [f"{head},{','.join(fields)}"]
    if isinstance(decoded, Submit):
        return [f'{head},"{decoded.destination}",', decoded.text]
    return []

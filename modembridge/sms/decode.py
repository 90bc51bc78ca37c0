"""Decoding SMS-DELIVER, SMS-SUBMIT and SMS-STATUS-REPORT PDUs (23.040 9.2.2)."""

from __future__ import annotations

import re

from .address import decode_address, decode_smsc
from .errors import PduError
from .models import Deliver, StatusReport, Submit
from .reader import Reader
from .timestamps import decode_relative_validity, decode_scts
from .userdata import decode_dcs, decode_user_data

__all__ = ["decode_pdu", "status_outcome"]

_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+", re.ASCII)
UDHI = 0x40


def status_outcome(status: int) -> str:
    """Map TP-ST to "delivered" (0x00-0x1F), "pending" (0x20-0x3F) or "failed" (the rest).

    Reserved values above 0x7F count as failed ("service rejected", 23.040 9.2.3.15).
    """
    if status < 0x20:
        return "delivered"
    if status < 0x40:
        return "pending"
    return "failed"


def _to_bytes(pdu_hex: str) -> tuple[str, bytes]:
    if not isinstance(pdu_hex, str):
        raise PduError(f"PDU must be a hex string, got {type(pdu_hex).__name__}")
    clean = pdu_hex.strip()
    if not clean:
        raise PduError("empty PDU")
    if len(clean) % 2:
        raise PduError(f"PDU hex has an odd number of digits ({len(clean)})")
    if not _HEX.fullmatch(clean):
        raise PduError("PDU is not hexadecimal")
    return clean.upper(), bytes.fromhex(clean)


def decode_pdu(pdu_hex: str, *, smsc_included: bool = True) -> Deliver | StatusReport | Submit:
    """Decode a PDU as read from the modem (``+CMGL``, ``+CMGR``, ``+CDS``) or sent to it.

    Args:
        pdu_hex: hex string (case-insensitive, surrounding whitespace ignored).
        smsc_included: the PDU starts with the SMSC field (true for everything a modem
            returns and for our SUBMIT PDUs).

    Returns:
        Deliver, StatusReport or Submit depending on TP-MTI.

    Raises:
        PduError: anything malformed (bad hex, truncated, bad lengths, bad UDH, bad dates,
            reserved message type). Never IndexError/TypeError.
    """
    text_hex, data = _to_bytes(pdu_hex)
    reader = Reader(data)
    smsc = decode_smsc(reader) if smsc_included else None
    tpdu_length = reader.remaining
    first = reader.octet("first octet")
    mti = first & 0x03
    if mti == 0x00:
        return _deliver(reader, first, smsc, text_hex)
    if mti == 0x01:
        return _submit(reader, first, smsc, text_hex, tpdu_length)
    if mti == 0x02:
        return _status_report(reader, smsc, text_hex)
    raise PduError(f"reserved message type (TP-MTI 3) in first octet {first:02X}")


def _deliver(reader: Reader, first: int, smsc: str | None, text_hex: str) -> Deliver:
    sender, sender_type = decode_address(reader, "originating address")
    pid = reader.octet("TP-PID")
    dcs = reader.octet("TP-DCS")
    timestamp = decode_scts(reader.take(7, "TP-SCTS"))
    udl = reader.octet("TP-UDL")
    coding = decode_dcs(dcs)
    ud = decode_user_data(reader.rest(), udl, coding.alphabet, bool(first & UDHI))
    return Deliver(
        sender=sender,
        sender_type=sender_type,
        smsc=smsc,
        timestamp=timestamp,
        text=ud.text,
        encoding=ud.encoding,
        concat=ud.concat,
        flash=coding.message_class == 0,
        pdu=text_hex,
        protocol_id=pid,
        dcs=dcs,
        ucs2_data=ud.ucs2_data,
    )


def _submit(
    reader: Reader, first: int, smsc: str | None, text_hex: str, tpdu_length: int
) -> Submit:
    mr = reader.octet("TP-MR")
    destination, destination_type = decode_address(reader, "destination address")
    reader.octet("TP-PID")
    dcs = reader.octet("TP-DCS")
    vpf = (first >> 3) & 0x03
    validity: int | None = None
    if vpf == 0x02:
        validity = decode_relative_validity(reader.octet("TP-VP"))
    elif vpf in (0x01, 0x03):
        reader.take(7, "TP-VP")  # enhanced / absolute: not expressed in minutes
    udl = reader.octet("TP-UDL")
    coding = decode_dcs(dcs)
    ud = decode_user_data(reader.rest(), udl, coding.alphabet, bool(first & UDHI))
    return Submit(
        destination=destination,
        text=ud.text,
        encoding=ud.encoding,
        concat=ud.concat,
        message_reference=mr,
        status_report_requested=bool(first & 0x20),
        flash=coding.message_class == 0,
        validity_minutes=validity,
        pdu=text_hex,
        smsc=smsc,
        destination_type=destination_type,
        tpdu_length=tpdu_length,
        dcs=dcs,
    )


def _status_report(reader: Reader, smsc: str | None, text_hex: str) -> StatusReport:
    mr = reader.octet("TP-MR")
    recipient, _ = decode_address(reader, "recipient address")
    timestamp = decode_scts(reader.take(7, "TP-SCTS"))
    discharge = decode_scts(reader.take(7, "TP-DT"))
    status = reader.octet("TP-ST")
    # Optional TP-PI / PID / DCS / UD may follow; nothing in them matters to us.
    return StatusReport(
        message_reference=mr,
        recipient=recipient,
        timestamp=timestamp,
        discharge_time=discharge,
        status=status,
        outcome=status_outcome(status),
        pdu=text_hex,
        smsc=smsc,
    )

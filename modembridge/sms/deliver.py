"""SMS-DELIVER and SMS-STATUS-REPORT encoding (used by the simulated modem and in tests)."""

from __future__ import annotations

from datetime import datetime

from .address import encode_address, encode_smsc, validate_number
from .errors import PduError, TextError
from .models import ConcatInfo, Encoding
from .segments import plan_segments
from .timestamps import encode_scts
from .userdata import encode_dcs, encode_user_data

__all__ = ["encode_deliver_pdus", "encode_status_report"]

MTI_DELIVER = 0x00
MTI_STATUS_REPORT = 0x02
NO_MORE_MESSAGES = 0x04  # TP-MMS set: no more messages waiting at the SC
UDHI = 0x40


def encode_deliver_pdus(
    sender: str,
    text: str,
    *,
    timestamp: datetime,
    reference: int,
    smsc: str = "+15550000000",
    concat_16bit: bool = False,
    force_ucs2: bool = False,
    flash: bool = False,
) -> list[str]:
    """Encode a message as SMS-DELIVER PDUs, as a SIM stores them / ``AT+CMGL`` lists them.

    Args:
        sender: "+digits", digits, or an alphanumeric sender of up to 11 GSM-7 septets.
        text: the message (GSM-7 when possible, else UCS-2); split like a phone would.
        timestamp: the SC timestamp (timezone-aware; quarter-hour offset).
        reference: concatenation reference (0..255, or 0..65535 with ``concat_16bit``).
        smsc: SMSC address written in front ("" for none: "00").
        concat_16bit: use the 16-bit reference concatenation IE.
        force_ucs2: UCS-2 even for GSM-7 text.
        flash: message class 0.

    Returns:
        Uppercase hex PDUs (with the SMSC part), one per part in order.

    Raises:
        PduError: bad sender, SMSC, reference or timestamp.
        TextError: empty text or too long.
    """
    if not isinstance(text, str) or not text:
        raise TextError("empty text")
    limit = 0xFFFF if concat_16bit else 0xFF
    if isinstance(reference, bool) or not isinstance(reference, int) or not 0 <= reference <= limit:
        raise PduError(f"reference must be an integer in 0..{limit}, got {reference!r}")
    head = encode_smsc(smsc)
    originator = encode_address(sender, allow_alphanumeric=True)
    scts = encode_scts(timestamp)
    plan = plan_segments(text, force_ucs2=force_ucs2, concat_16bit=concat_16bit)
    total = len(plan.parts)
    pdus: list[str] = []
    for sequence, part in enumerate(plan.parts, start=1):
        concat = None
        if total > 1:
            bits = 16 if concat_16bit else 8
            concat = ConcatInfo(reference=reference, total=total, sequence=sequence, bits=bits)
        udl, ud = encode_user_data(part, plan.encoding, concat)
        first = MTI_DELIVER | NO_MORE_MESSAGES | (UDHI if concat else 0)
        dcs = encode_dcs(Encoding(plan.encoding), flash=flash)
        tpdu = bytes([first]) + originator + bytes([0x00, dcs]) + scts + bytes([udl]) + ud
        pdus.append((head + tpdu).hex().upper())
    return pdus


def encode_status_report(
    message_reference: int,
    recipient: str,
    *,
    timestamp: datetime,
    discharge_time: datetime,
    status: int,
    smsc: str = "+15550000000",
) -> str:
    """Encode an SMS-STATUS-REPORT (full hex with the SMSC part, as ``+CDS`` / ``+CMGR`` give).

    Args:
        message_reference: TP-MR of the SUBMIT being reported on (0..255).
        recipient: the number the message went to ("+digits" or digits).
        timestamp: SC timestamp of the original submission (aware).
        discharge_time: when the status was reached (aware).
        status: TP-ST (0x00 delivered, 0x20-0x3F pending, 0x40-0x7F failed).
        smsc: SMSC address ("" for none).

    Raises:
        PduError: bad reference, recipient, status or timestamps.
    """
    for value, what in ((message_reference, "message_reference"), (status, "status")):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
            raise PduError(f"{what} must be an integer in 0..255, got {value!r}")
    validate_number(recipient, "recipient")
    tpdu = (
        bytes([MTI_STATUS_REPORT | NO_MORE_MESSAGES, message_reference])
        + encode_address(recipient)
        + encode_scts(timestamp)
        + encode_scts(discharge_time)
        + bytes([status])
    )
    return (encode_smsc(smsc) + tpdu).hex().upper()

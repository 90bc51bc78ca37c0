"""SMS-SUBMIT encoding (23.040 9.2.2.2) for sending with AT+CMGS in PDU mode."""

from __future__ import annotations

from .address import encode_address, validate_number
from .errors import PduError, TextError
from .models import ConcatInfo, Encoding, SubmitPdu
from .segments import plan_segments
from .timestamps import encode_relative_validity
from .userdata import check_concat, encode_dcs, encode_user_data

__all__ = ["encode_submit_part", "encode_submit_pdus"]

MTI_SUBMIT = 0x01
VPF_RELATIVE = 0x10
SRR = 0x20
UDHI = 0x40


def _check_int(value: int, low: int, high: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PduError(f"{what} must be an integer in {low}..{high}, got {value!r}")


def encode_submit_part(
    destination: str,
    part_text: str,
    encoding: Encoding,
    *,
    concat: ConcatInfo | None,
    request_status_report: bool = True,
    validity_minutes: int | None = None,
    flash: bool = False,
    message_reference: int = 0,
) -> SubmitPdu:
    """Encode one SMS-SUBMIT (one part of a message, or a whole single-part message).

    Args:
        destination: "+15551234567" (international, TOA 0x91) or digits (TOA 0x81).
        part_text: the text of this part (must fit one part of ``encoding``).
        encoding: GSM-7 or UCS-2.
        concat: the concatenation IE for a part of a multipart message, else None.
        request_status_report: set TP-SRR.
        validity_minutes: relative validity period (TP-VPF relative), None for none.
        flash: message class 0 (shown at once, not stored).
        message_reference: TP-MR (0..255; most modems replace it with their own).

    Returns:
        The PDU hex (starting "00": the SIM's default SMSC) and the TPDU length for AT+CMGS.

    Raises:
        PduError: invalid destination, reference or validity.
        TextError: empty text, wrong alphabet, or a part too long.
    """
    validate_number(destination)
    _check_int(message_reference, 0, 255, "message_reference")
    if not isinstance(encoding, Encoding):
        raise TextError(f"encoding must be an Encoding, got {encoding!r}")
    if concat is not None:
        check_concat(concat)
    first = MTI_SUBMIT
    vp = b""
    if validity_minutes is not None:
        first |= VPF_RELATIVE
        vp = bytes([encode_relative_validity(validity_minutes)])
    if request_status_report:
        first |= SRR
    if concat is not None:
        first |= UDHI
    udl, ud = encode_user_data(part_text, encoding, concat)
    tpdu = (
        bytes([first, message_reference])
        + encode_address(destination)
        + bytes([0x00, encode_dcs(encoding, flash=flash)])  # TP-PID 0, TP-DCS
        + vp
        + bytes([udl])
        + ud
    )
    return SubmitPdu(
        hex="00" + tpdu.hex().upper(),
        tpdu_length=len(tpdu),
        text=part_text,
        encoding=encoding,
        concat=concat,
    )


def encode_submit_pdus(
    destination: str,
    text: str,
    *,
    reference: int,
    request_status_report: bool = True,
    validity_minutes: int | None = None,
    flash: bool = False,
    concat_16bit: bool = False,
    force_ucs2: bool = False,
    message_reference: int = 0,
) -> list[SubmitPdu]:
    """Encode a whole message as one or more SMS-SUBMIT PDUs.

    Args:
        destination: "+15551234567" (international) or digits (unknown/national).
        text: the message (GSM-7 when possible, otherwise UCS-2 for the whole text).
        reference: concatenation reference (0..255, or 0..65535 with ``concat_16bit``); it
            is checked always but only written when the text needs more than one part.
        request_status_report: set TP-SRR on every part.
        validity_minutes: relative validity period, None for none.
        flash: message class 0.
        concat_16bit: use the 16-bit reference concatenation IE (one unit less per part).
        force_ucs2: use UCS-2 even for GSM-7 text.
        message_reference: TP-MR of every part (the modem normally overrides it).

    Returns:
        One SubmitPdu per part, in order; each carries its text and ConcatInfo.

    Raises:
        PduError: invalid destination, references or validity.
        TextError: empty text, unpaired surrogates, or more than 255 parts.
    """
    validate_number(destination)
    _check_int(reference, 0, 0xFFFF if concat_16bit else 0xFF, "reference")
    if not isinstance(text, str) or not text:
        raise TextError("empty text: nothing to send")
    plan = plan_segments(text, force_ucs2=force_ucs2, concat_16bit=concat_16bit)
    total = len(plan.parts)
    out: list[SubmitPdu] = []
    for sequence, part in enumerate(plan.parts, start=1):
        concat = None
        if total > 1:
            bits = 16 if concat_16bit else 8
            concat = ConcatInfo(reference=reference, total=total, sequence=sequence, bits=bits)
        out.append(
            encode_submit_part(
                destination,
                part,
                plan.encoding,
                concat=concat,
                request_status_report=request_status_report,
                validity_minutes=validity_minutes,
                flash=flash,
                message_reference=message_reference,
            )
        )
    return out

"""Pure SMS codec: GSM-7 / UCS-2, segment planning, PDU encode/decode, multipart reassembly.

No I/O, no threads, no clock: timestamps are arguments.
"""

from __future__ import annotations

from .decode import decode_pdu, status_outcome
from .deliver import encode_deliver_pdus, encode_status_report
from .errors import PduError, TextError
from .graphemes import clusters
from .gsm7 import is_gsm7
from .models import (
    AssembledMessage,
    ConcatInfo,
    Deliver,
    Encoding,
    SegmentPlan,
    StatusReport,
    Submit,
    SubmitPdu,
)
from .reassembly import Reassembler, combine_parts
from .segments import plan_segments
from .submit import encode_submit_part, encode_submit_pdus

__all__ = [
    "AssembledMessage",
    "ConcatInfo",
    "Deliver",
    "Encoding",
    "PduError",
    "Reassembler",
    "SegmentPlan",
    "StatusReport",
    "Submit",
    "SubmitPdu",
    "TextError",
    "clusters",
    "combine_parts",
    "decode_pdu",
    "encode_deliver_pdus",
    "encode_status_report",
    "encode_submit_part",
    "encode_submit_pdus",
    "is_gsm7",
    "plan_segments",
    "status_outcome",
]

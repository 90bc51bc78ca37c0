"""The public surface of modembridge.sms matches the shared contract (other modules rely on it)."""

from __future__ import annotations

import inspect
from dataclasses import FrozenInstanceError, fields

import pytest

import modembridge.sms as sms


def _kwonly(func: object) -> set[str]:
    params = inspect.signature(func).parameters.values()  # type: ignore[arg-type]
    return {p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}


def test_exports() -> None:
    for name in [
        "Encoding",
        "PduError",
        "TextError",
        "ConcatInfo",
        "SegmentPlan",
        "plan_segments",
        "is_gsm7",
        "SubmitPdu",
        "encode_submit_pdus",
        "encode_submit_part",
        "Deliver",
        "StatusReport",
        "Submit",
        "decode_pdu",
        "encode_deliver_pdus",
        "encode_status_report",
        "AssembledMessage",
        "Reassembler",
        "combine_parts",
    ]:
        assert hasattr(sms, name), name
        assert name in sms.__all__


def test_error_types_are_value_errors() -> None:
    assert issubclass(sms.PduError, ValueError)
    assert issubclass(sms.TextError, ValueError)


def test_encoding_values() -> None:
    assert sms.Encoding.GSM7 == "gsm7"
    assert sms.Encoding.UCS2 == "ucs2"
    assert isinstance(sms.Encoding.GSM7, str)
    assert f"{sms.Encoding.UCS2}" == "ucs2"


def test_signatures() -> None:
    assert _kwonly(sms.plan_segments) >= {"force_ucs2", "concat_16bit"}
    assert _kwonly(sms.encode_submit_pdus) >= {
        "reference",
        "request_status_report",
        "validity_minutes",
        "flash",
        "concat_16bit",
        "force_ucs2",
        "message_reference",
    }
    assert _kwonly(sms.encode_submit_part) >= {
        "concat",
        "request_status_report",
        "validity_minutes",
        "flash",
        "message_reference",
    }
    assert _kwonly(sms.decode_pdu) == {"smsc_included"}
    assert _kwonly(sms.encode_deliver_pdus) >= {"timestamp", "reference", "smsc", "concat_16bit"}
    assert _kwonly(sms.encode_status_report) >= {"timestamp", "discharge_time", "status", "smsc"}


@pytest.mark.parametrize(
    ("cls", "names"),
    [
        (sms.ConcatInfo, ["reference", "total", "sequence", "bits"]),
        (
            sms.SegmentPlan,
            [
                "encoding",
                "parts",
                "units_per_part",
                "units_used_last",
                "units_left",
                "ucs2_forcing_chars",
            ],
        ),
        (sms.SubmitPdu, ["hex", "tpdu_length"]),
        (
            sms.Deliver,
            [
                "sender",
                "sender_type",
                "smsc",
                "timestamp",
                "text",
                "encoding",
                "concat",
                "flash",
                "pdu",
            ],
        ),
        (
            sms.StatusReport,
            [
                "message_reference",
                "recipient",
                "timestamp",
                "discharge_time",
                "status",
                "outcome",
                "pdu",
            ],
        ),
        (
            sms.Submit,
            [
                "destination",
                "text",
                "encoding",
                "concat",
                "message_reference",
                "status_report_requested",
                "flash",
                "validity_minutes",
                "pdu",
            ],
        ),
        (
            sms.AssembledMessage,
            [
                "sender",
                "text",
                "parts_received",
                "parts_total",
                "complete",
                "missing",
                "first_timestamp",
                "pdus",
            ],
        ),
    ],
)
def test_dataclass_fields_in_contract_order(cls: type, names: list[str]) -> None:
    assert [f.name for f in fields(cls)][: len(names)] == names


def test_frozen() -> None:
    info = sms.ConcatInfo(reference=1, total=2, sequence=1, bits=8)
    with pytest.raises(FrozenInstanceError):
        info.total = 3  # type: ignore[misc]

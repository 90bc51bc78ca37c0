"""``modembridge sendsms``: send one SMS without the service (own session, then close)."""

from __future__ import annotations

import secrets
from typing import Any

from modembridge.at import CommandError
from modembridge.modem.driver import ModemDriver
from modembridge.modem.errors import ProbeError, SendOutcomeUnknown
from modembridge.modem.init import init_session
from modembridge.modem.probe import explained, open_or_explain
from modembridge.sms import encode_submit_pdus, plan_segments


def send_sms_once(
    url: str,
    to: str,
    text: str,
    *,
    flash: bool = False,
    report: bool = True,
    baudrate: int = 115200,
    pin: str | None = None,
    flow_control: bool = False,
    reference: int | None = None,
    timeout: float = 5.0,
    send_timeout: float = 60.0,
) -> dict[str, Any]:
    """Send ``text`` to ``to`` through the modem at ``url``.

    Args:
        reference: concat reference for a multipart text (random 0..255 by default).

    Returns:
        {"parts": N, "encoding": "gsm7" | "ucs2", "references": [TP-MR, ...]}

    Raises:
        ProbeError: the port, the SIM or the modem failed (one line, with the modem's error).
        ValueError: the number or text cannot be encoded.
    """
    plan = plan_segments(text)
    concat_ref = secrets.randbelow(256) if reference is None else reference
    pdus = encode_submit_pdus(
        to, text, reference=concat_ref, request_status_report=report, flash=flash
    )
    port = open_or_explain(url, baudrate=baudrate, flow_control=flow_control)
    references: list[int] = []
    try:
        driver = ModemDriver(port)
        explained(lambda: init_session(driver, pin=pin, timeout=timeout, notifications=False))
        for index, pdu in enumerate(pdus, start=1):
            try:
                references.append(driver.send_pdu(pdu, result_timeout=send_timeout))
            except SendOutcomeUnknown as exc:
                raise ProbeError(f"part {index}/{len(pdus)}: {exc}") from exc
            except CommandError as exc:
                raise ProbeError(f"part {index}/{len(pdus)} refused: {exc.describe()}") from exc
            except Exception as exc:
                raise ProbeError(f"part {index}/{len(pdus)} not sent: {exc}") from exc
    finally:
        port.close()
    return {"parts": len(pdus), "encoding": str(plan.encoding.value), "references": references}

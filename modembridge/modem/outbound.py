"""Outbound path: send each part of a job with ``AT+CMGS`` and report per-part results."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from modembridge.at import AtTimeout, CommandError
from modembridge.modem.api import JobResult, OutboundJob, OutboundSource, PartResult
from modembridge.modem.driver import ModemDriver
from modembridge.modem.errors import SendOutcomeUnknown

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendOutcome:
    """A job's result, plus what the supervisor must do next.

    Attributes:
        result: per-part results to hand to the outbound source.
        escalate: a port/modem failure to re-raise after reporting (recovery ladder).
        timed_out: a command timed out (counts toward reopening the port).
    """

    result: JobResult
    escalate: BaseException | None = None
    timed_out: bool = False


def send_job(
    driver: ModemDriver,
    job: OutboundJob,
    source: OutboundSource,
    *,
    prompt_timeout: float,
    result_timeout: float,
    should_stop: Callable[[], bool],
) -> SendOutcome:
    """Send the parts of ``job`` in order; stop at the first part that is not sent.

    Later parts are reported "not_sent" (transient), so the source can resend exactly those
    with the same concat reference.
    """
    results: list[PartResult] = []
    escalate: BaseException | None = None
    timed_out = False
    for index, pdu in enumerate(job.parts):
        if results and results[-1].status != "sent":
            error = "an earlier part was not sent"
            results.append(PartResult(index, "not_sent", error=error, transient=True))
            continue
        if should_stop():
            results.append(PartResult(index, "not_sent", error="modem stopping", transient=True))
            continue
        try:
            source.part_starting(job, index)  # durable before the PDU can reach the network
        except Exception as exc:  # could not record it: do not send what we cannot account for
            log.exception("job %s: could not record part %d as starting", job.id, index)
            error = f"not recorded before sending: {exc}"
            results.append(PartResult(index, "not_sent", error=error, transient=True))
            continue
        try:
            mr = driver.send_pdu(pdu, prompt_timeout=prompt_timeout, result_timeout=result_timeout)
        except SendOutcomeUnknown as exc:
            results.append(PartResult(index, "unknown", error=str(exc)))
            escalate, timed_out = exc.followup, True
        except CommandError as exc:
            error = exc.describe()
            results.append(
                PartResult(index, "failed", error=error, code=exc.code, transient=exc.transient)
            )
        except AtTimeout as exc:  # the prompt never came: nothing was sent
            results.append(PartResult(index, "not_sent", error=str(exc), transient=True))
            timed_out = True
        except ValueError as exc:  # a PDU we cannot even announce (length out of range)
            results.append(PartResult(index, "failed", error=str(exc)))
        except Exception as exc:  # port died before the PDU went out (or resync failed)
            error = str(exc) or type(exc).__name__
            results.append(PartResult(index, "not_sent", error=error, transient=True))
            escalate = exc
        else:
            results.append(PartResult(index, "sent", reference=mr))
        _report_part(source, job, results[-1])
    outcome = SendOutcome(JobResult(job.id, tuple(results)), escalate, timed_out)
    log.debug("job %s: %s %s", job.id, outcome.result.status, outcome.result.references)
    return outcome


def _report_part(source: OutboundSource, job: OutboundJob, result: PartResult) -> None:
    try:
        source.part_finished(job, result)
    except Exception:  # job_result() still gets this part's result
        log.exception("job %s: could not record part %d", job.id, result.index)

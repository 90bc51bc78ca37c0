"""The modem layer: driver (one command in flight), init, supervisor, probe, one-shot send."""

from modembridge.modem.api import (
    InboundSink,
    InboundSms,
    JobResult,
    OutboundJob,
    OutboundSource,
    PartResult,
)
from modembridge.modem.config import ModemConfig
from modembridge.modem.driver import DriverStats, ModemDriver, Response
from modembridge.modem.errors import (
    InvalidCommand,
    ModemUnresponsive,
    PinProblem,
    ProbeError,
    SendOutcomeUnknown,
)
from modembridge.modem.oneshot import send_sms_once
from modembridge.modem.probe import probe
from modembridge.modem.status import ModemStatus
from modembridge.modem.supervisor import ModemSupervisor

__all__ = [
    "DriverStats",
    "InboundSink",
    "InboundSms",
    "InvalidCommand",
    "JobResult",
    "ModemConfig",
    "ModemDriver",
    "ModemStatus",
    "ModemSupervisor",
    "ModemUnresponsive",
    "OutboundJob",
    "OutboundSource",
    "PartResult",
    "PinProblem",
    "ProbeError",
    "Response",
    "SendOutcomeUnknown",
    "probe",
    "send_sms_once",
]

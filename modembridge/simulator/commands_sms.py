"""27.005 SMS commands: format, storage, indications, list/read/delete and sending."""

from __future__ import annotations

import string
from datetime import UTC, datetime

from modembridge.simulator.cmdline import (
    ERROR,
    Command,
    CommandFailed,
    Reply,
    cms,
    int_arg,
    unquote,
)
from modembridge.simulator.handlers import command
from modembridge.simulator.state import ModemState
from modembridge.simulator.storage import STAT_NAMES, STO_SENT, STO_UNSENT, Memory, tpdu_length
from modembridge.simulator.textmode import format_text_entry
from modembridge.sms import PduError, Submit, decode_pdu, encode_submit_pdus

__all__: list[str] = []  # handlers register themselves in handlers.HANDLERS

_MAX_TPDU = 164  # 140 octets of user data + the largest SUBMIT header
_HEX = frozenset(string.hexdigits)


# --- settings ------------------------------------------------------------------------------


@command("+CMGF")
def _cmgf(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "read":
        return Reply([f"+CMGF: {st.settings.cmgf}"])
    if cmd.kind == "test":
        return Reply(["+CMGF: (0,1)"])
    mode = int_arg(cmd.args, 0, 0)
    if mode not in (0, 1):
        raise CommandFailed(ERROR)
    st.settings.cmgf = mode
    return Reply()


@command("+CSCS")
def _cscs(st: ModemState, cmd: Command) -> Reply:
    charsets = ("IRA", "GSM", "UCS2")
    if cmd.kind == "read":
        return Reply([f'+CSCS: "{st.settings.cscs}"'])
    if cmd.kind == "test":
        return Reply(["+CSCS: (" + ",".join(f'"{c}"' for c in charsets) + ")"])
    charset = unquote(cmd.args[0]).upper() if cmd.args else ""
    if charset not in charsets:
        raise CommandFailed(ERROR)
    st.settings.cscs = charset
    return Reply()


@command("+CSCA", needs_sim=True)
def _csca(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "read":
        kind = 145 if st.settings.smsc.startswith("+") else 129
        return Reply([f'+CSCA: "{st.settings.smsc}",{kind}'])
    if cmd.kind == "test":
        return Reply()
    number = unquote(cmd.args[0]) if cmd.args else ""
    if not number or not number.lstrip("+").isdigit():
        raise CommandFailed(ERROR)
    st.settings.smsc = number
    return Reply()


@command("+CSMP")
def _csmp(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "read":
        return Reply(["+CSMP: " + ",".join(str(v) for v in st.settings.csmp)])
    if cmd.kind == "set":
        old = st.settings.csmp
        values = [int_arg(cmd.args, i, old[i]) for i in range(4)]
        st.settings.csmp = (values[0], values[1], values[2], values[3])
    return Reply()


@command("+CSMS")
def _csms(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "read":
        return Reply([f"+CSMS: {st.settings.csms},1,1,1"])
    if cmd.kind == "test":
        return Reply(["+CSMS: (0,1)"])
    service = int_arg(cmd.args, 0)
    if service not in (0, 1):
        raise CommandFailed(ERROR)
    st.settings.csms = service
    return Reply(["+CSMS: 1,1,1"])


@command("+CSDH")
def _csdh(st: ModemState, cmd: Command) -> Reply:
    return Reply(["+CSDH: 0"] if cmd.kind == "read" else [])


@command("+CNMA")
def _cnma(st: ModemState, cmd: Command) -> Reply:
    raise CommandFailed(cms(340))  # nothing is routed with +CMT that needs acknowledging


# --- storage and indications ---------------------------------------------------------------


def _memory(st: ModemState, slot: int) -> Memory:
    memory = st.store.get(st.settings.cpms[slot])
    if memory is None:
        raise CommandFailed(cms(302))
    return memory


@command("+CPMS", needs_sim=True, sms=True)
def _cpms(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "test":
        read = ",".join(f'"{n}"' for n in st.store.names())
        write = ",".join(f'"{n}"' for n in st.store.names() if n != "SR")
        return Reply([f"+CPMS: ({read}),({write}),({write})"])
    if cmd.kind == "set":
        names = [unquote(a).upper() for a in cmd.args if a]
        if not 1 <= len(names) <= 3:
            raise CommandFailed(ERROR)
        for slot, name in enumerate(names):
            if st.store.get(name) is None or (slot > 0 and name == "SR"):
                raise CommandFailed(cms(302))
        current = list(st.settings.cpms)
        current[: len(names)] = names
        st.settings.cpms = (current[0], current[1], current[2])
    mems = [_memory(st, slot) for slot in range(3)]
    if cmd.kind == "set":
        return Reply(["+CPMS: " + ",".join(f"{m.used},{m.total}" for m in mems)])
    fields = [
        f'"{name}",{m.used},{m.total}' for name, m in zip(st.settings.cpms, mems, strict=True)
    ]
    return Reply(["+CPMS: " + ",".join(fields)])


@command("+CNMI")
def _cnmi(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "read":
        return Reply(["+CNMI: " + ",".join(str(v) for v in st.settings.cnmi)])
    if cmd.kind == "test":
        return Reply([st.profile.cnmi.text])
    if len(cmd.args) > 5:
        raise CommandFailed(ERROR)
    values = [int_arg(cmd.args, i, 0) for i in range(5)]
    cnmi = (values[0], values[1], values[2], values[3], values[4])
    if not st.profile.cnmi.allows(cnmi):
        raise CommandFailed(cms(303))
    st.settings.cnmi = cnmi
    st.host.flush_indications()
    return Reply()


# --- reading and deleting ------------------------------------------------------------------


def _stat_arg(st: ModemState, cmd: Command) -> int:
    if st.settings.cmgf == 1:
        name = unquote(cmd.args[0]).upper() if cmd.args and cmd.args[0] else "REC UNREAD"
        by_name = {v: k for k, v in STAT_NAMES.items()}
        if name not in by_name:
            raise CommandFailed(cms(305))
        return by_name[name]
    stat = int_arg(cmd.args, 0, 0)
    if stat not in STAT_NAMES:
        raise CommandFailed(cms(304))
    return stat


@command("+CMGL", needs_sim=True, sms=True)
def _cmgl(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "test":
        if st.settings.cmgf == 1:
            return Reply(['+CMGL: ("REC UNREAD","REC READ","STO UNSENT","STO SENT","ALL")'])
        return Reply(["+CMGL: (0-4)"])
    stat = _stat_arg(st, cmd)
    lines: list[str] = []
    for index, message in _memory(st, 0).listing(stat):
        if st.settings.cmgf == 1:
            lines.extend(format_text_entry("+CMGL", index, message.stat, message.pdu))
        else:
            lines += [f"+CMGL: {index},{message.stat},,{tpdu_length(message.pdu)}", message.pdu]
    return Reply(lines)


@command("+CMGR", needs_sim=True, sms=True)
def _cmgr(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "test":
        return Reply()
    index, memory = int_arg(cmd.args, 0), _memory(st, 0)
    if not memory.valid_index(index):
        raise CommandFailed(cms(321))
    message = memory.read(index)
    if message is None:
        if st.profile.cmgr_empty_ok:
            return Reply()
        raise CommandFailed(cms(321))
    if st.settings.cmgf == 1:
        return Reply(format_text_entry("+CMGR", None, message.stat, message.pdu))
    return Reply([f"+CMGR: {message.stat},,{tpdu_length(message.pdu)}", message.pdu])


@command("+CMGD", needs_sim=True, sms=True)
def _cmgd(st: ModemState, cmd: Command) -> Reply:
    memory = _memory(st, 0)
    if cmd.kind == "test":
        used = ",".join(str(i) for i in sorted(memory.slots))
        return Reply([f"+CMGD: ({used}),(0-4)"])
    index, flag = int_arg(cmd.args, 0), int_arg(cmd.args, 1, 0)
    if flag not in range(5) or (flag == 0 and not memory.valid_index(index)):
        raise CommandFailed(cms(321))
    memory.delete(index, flag)
    st.host.storage_changed()
    return Reply()


# --- sending -------------------------------------------------------------------------------


def _validate_submit(pdu_hex: str, length: int) -> Submit:
    """Check the typed PDU like firmware does: hex, declared TPDU length, an SMS-SUBMIT."""
    if not pdu_hex or len(pdu_hex) % 2 or not set(pdu_hex) <= _HEX:
        raise CommandFailed(cms(304))
    if tpdu_length(pdu_hex) != length:
        raise CommandFailed(cms(304))
    try:
        decoded = decode_pdu(pdu_hex, smsc_included=True)
    except PduError:
        raise CommandFailed(cms(304)) from None
    if not isinstance(decoded, Submit):
        raise CommandFailed(cms(304))
    return decoded


def _transmit(st: ModemState, submit: Submit, prefix: str) -> Reply:
    """Hand a SUBMIT to the network (runs after the send latency)."""
    if not st.network.registered:
        return Reply(result=cms(331))
    if st.faults.cms_error_count > 0:
        st.faults.cms_error_count -= 1
        return Reply(result=cms(st.faults.cms_error_code))
    reference = st.sent.take_reference()
    st.sent.record(submit, reference, datetime.now(UTC))
    return Reply([f"{prefix}: {reference}"])


def _pdu_length(cmd: Command) -> int:
    length = int_arg(cmd.args, 0)
    if not 1 <= length <= _MAX_TPDU:
        raise CommandFailed(cms(304))
    return length


def _deferred_send(st: ModemState, submit: Submit, prefix: str) -> Reply:
    def send() -> Reply:
        return _transmit(st, submit, prefix)

    return Reply(delay=st.config.sms_latency, deferred=send)


@command("+CMGS", needs_sim=True, sms=True)
def _cmgs(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "test":
        return Reply()
    if cmd.kind != "set":
        raise CommandFailed(ERROR)
    if st.settings.cmgf == 1:
        destination = unquote(cmd.args[0])
        if not destination.lstrip("+").isdigit():
            raise CommandFailed(cms(305))
        return Reply(prompt=lambda text: _text_send(st, destination, text))
    length = _pdu_length(cmd)

    def typed(text: str) -> Reply:
        return _deferred_send(st, _validate_submit(text.strip().upper(), length), "+CMGS")

    return Reply(prompt=typed)


def _text_send(st: ModemState, destination: str, text: str) -> Reply:
    report = bool(st.settings.csmp[0] & 0x20)
    try:
        pdus = encode_submit_pdus(destination, text, reference=0, request_status_report=report)
    except ValueError:
        raise CommandFailed(cms(305)) from None
    if len(pdus) != 1:
        raise CommandFailed(cms(305))  # text mode cannot concatenate
    submit = decode_pdu(pdus[0].hex, smsc_included=True)
    if not isinstance(submit, Submit):
        raise CommandFailed(cms(305))
    return _deferred_send(st, submit, "+CMGS")


@command("+CMGW", needs_sim=True, sms=True)
def _cmgw(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "test":
        return Reply()
    if st.settings.cmgf == 1:
        raise CommandFailed(cms(303))  # writing is simulated in PDU mode only
    length = _pdu_length(cmd)
    stat = int_arg(cmd.args, 1, STO_UNSENT)

    def typed(text: str) -> Reply:
        pdu_hex = text.strip().upper()
        _validate_submit(pdu_hex, length)
        index = _memory(st, 1).store(stat, pdu_hex)
        if index is None:
            raise CommandFailed(cms(322))
        return Reply([f"+CMGW: {index}"])

    return Reply(prompt=typed)


@command("+CMSS", needs_sim=True, sms=True)
def _cmss(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "test":
        return Reply()
    index, memory = int_arg(cmd.args, 0), _memory(st, 1)
    message = memory.slots.get(index)
    if message is None:
        raise CommandFailed(cms(321))
    submit = _validate_submit(message.pdu, tpdu_length(message.pdu))
    message.stat = STO_SENT
    return _deferred_send(st, submit, "+CMSS")

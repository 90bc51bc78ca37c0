"""V.250 and 27.007 commands: echo, identity, errors, PIN, network, USSD, vendor extras."""

from __future__ import annotations

from modembridge.simulator.cmdline import (
    ERROR,
    Command,
    CommandFailed,
    Reply,
    cme,
    int_arg,
    unquote,
)
from modembridge.simulator.handlers import command, supported_names
from modembridge.simulator.state import ModemState

__all__: list[str] = []  # handlers register themselves in handlers.HANDLERS


def _choice(cmd: Command, allowed: range, default: int = 0) -> int:
    value = int_arg(cmd.args, 0, default)
    if value not in allowed:
        raise CommandFailed(ERROR)
    return value


# --- V.250 basics -------------------------------------------------------------------------


@command("E")
def _echo(st: ModemState, cmd: Command) -> Reply:
    st.settings.echo = _choice(cmd, range(2)) == 1
    return Reply()


@command("Z", "&F")
def _reset(st: ModemState, cmd: Command) -> Reply:
    st.reset_settings()
    st.host.flush_indications()
    return Reply()


@command("V")
def _verbose(st: ModemState, cmd: Command) -> Reply:
    # numeric result codes (ATV0) are not simulated
    if _choice(cmd, range(2), 1) != 1:
        raise CommandFailed(ERROR)
    return Reply()


@command("Q", "X", "&C", "&D", "&K", "&W", "L", "M", "H")
def _accepted(st: ModemState, cmd: Command) -> Reply:
    return Reply()


@command("S")
def _s_register(st: ModemState, cmd: Command) -> Reply:
    number = int(cmd.name[1:])
    if cmd.kind == "read":
        return Reply([f"{st.settings.s_registers.get(number, 0):03d}"])
    if cmd.kind == "set":
        st.settings.s_registers[number] = int_arg(cmd.args, 0, 0)
    return Reply()


@command("I")
def _info(st: ModemState, cmd: Command) -> Reply:
    return Reply(list(st.profile.ati_lines))


# --- identity ------------------------------------------------------------------------------


def _identity(value: str, cmd: Command) -> Reply:
    if cmd.kind == "test":
        return Reply()
    if cmd.kind != "exec":
        raise CommandFailed(ERROR)
    return Reply([value])


@command("+CGMI", "+GMI")
def _cgmi(st: ModemState, cmd: Command) -> Reply:
    return _identity(st.profile.manufacturer, cmd)


@command("+CGMM", "+GMM")
def _cgmm(st: ModemState, cmd: Command) -> Reply:
    return _identity(st.profile.model, cmd)


@command("+CGMR", "+GMR")
def _cgmr(st: ModemState, cmd: Command) -> Reply:
    return _identity(st.profile.revision, cmd)


@command("+CGSN", "+GSN")
def _cgsn(st: ModemState, cmd: Command) -> Reply:
    return _identity(st.profile.imei, cmd)  # bare digits, as most modems answer


@command("+CIMI", needs_sim=True)
def _cimi(st: ModemState, cmd: Command) -> Reply:
    return _identity(st.profile.imsi, cmd)


@command("+CCID", "+ICCID")
def _ccid(st: ModemState, cmd: Command) -> Reply:
    if st.profile.name == "sim800":
        return _identity(st.profile.iccid, cmd)
    if cmd.kind == "test":
        return Reply()
    return Reply([f"{cmd.name}: {st.profile.iccid}"])


@command("+QCCID", profiles=("quectel",))
@command("^ICCID", profiles=("huawei",))
def _vendor_ccid(st: ModemState, cmd: Command) -> Reply:
    return Reply([f"{cmd.name}: {st.profile.iccid}"])


@command("+CNUM", needs_sim=True)
def _cnum(st: ModemState, cmd: Command) -> Reply:
    return Reply([f'+CNUM: "","{st.config.number}",145'])


@command("+GCAP")
def _gcap(st: ModemState, cmd: Command) -> Reply:
    return Reply(["+GCAP: +CGSM,+DS,+ES"])


@command("+CPAS")
def _cpas(st: ModemState, cmd: Command) -> Reply:
    return Reply(["+CPAS: (0-5)" if cmd.kind == "test" else "+CPAS: 0"])


@command("+CBC")
def _cbc(st: ModemState, cmd: Command) -> Reply:
    return Reply(["+CBC: 0,85,4100"])


@command("+IFC", "+ICF", "+IPR", "+CMUX", "+CSCB", "+CLIP", "+CTZU", "+CTZR")
def _settings_ok(st: ModemState, cmd: Command) -> Reply:
    # accepted and ignored: they do not change anything the simulator models
    return Reply()


@command("+CLAC")
def _clac(st: ModemState, cmd: Command) -> Reply:
    if not st.profile.clac_supported:
        raise CommandFailed(cme(100))
    return Reply(supported_names(st))


# --- errors and SIM ------------------------------------------------------------------------


@command("+CMEE")
def _cmee(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "read":
        return Reply([f"+CMEE: {st.settings.cmee}"])
    if cmd.kind == "test":
        return Reply(["+CMEE: (0-2)"])
    st.settings.cmee = _choice(cmd, range(3))
    return Reply()


@command("+CPIN")
def _cpin(st: ModemState, cmd: Command) -> Reply:
    status = st.sim_status
    if cmd.kind == "test":
        return Reply()
    if status == "BLOCKED":
        raise CommandFailed(cme(13))
    if cmd.kind == "read":
        return Reply([f"+CPIN: {status}"])
    if cmd.kind != "set" or not cmd.args[0]:
        raise CommandFailed(ERROR)
    if status == "READY":
        raise CommandFailed(cme(3))  # nothing to unlock
    if status == "SIM PIN":
        return _enter_pin(st, unquote(cmd.args[0]))
    if len(cmd.args) < 2:
        raise CommandFailed(cme(12))
    return _enter_puk(st, unquote(cmd.args[0]), unquote(cmd.args[1]))


def _enter_pin(st: ModemState, pin: str) -> Reply:
    if pin != st.pin:
        st.pin_attempts -= 1
        raise CommandFailed(cme(16))
    st.pin_attempts = 3
    st.pin_unlocked = True
    st.host.schedule(0.0, st.host.sim_ready)
    return Reply()


def _enter_puk(st: ModemState, puk: str, new_pin: str) -> Reply:
    if puk != st.config.puk:
        st.puk_attempts -= 1
        raise CommandFailed(cme(16))
    if not (4 <= len(new_pin) <= 8 and new_pin.isdigit()):
        raise CommandFailed(cme(16))
    st.pin, st.pin_attempts, st.puk_attempts, st.pin_unlocked = new_pin, 3, 10, True
    st.host.schedule(0.0, st.host.sim_ready)
    return Reply()


@command("+CFUN")
def _cfun(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "read":
        return Reply([f"+CFUN: {1 if st.network.radio_on else 0}"])
    if cmd.kind == "test":
        return Reply(["+CFUN: (0,1,4),(0,1)"])
    fun = int_arg(cmd.args, 0)
    if fun not in (0, 1, 4) or int_arg(cmd.args, 1, 0) not in (0, 1):
        raise CommandFailed(ERROR)
    if int_arg(cmd.args, 1, 0) == 1:
        st.host.schedule(0.0, lambda: st.host.reboot(announce=True))
        return Reply()
    st.network.radio_on = fun == 1
    st.host.registration_changed()
    return Reply()


# --- network -------------------------------------------------------------------------------


@command("+CSQ")
def _csq(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "test":
        return Reply(["+CSQ: (0-31,99),(0-7,99)"])
    rssi, ber = st.network.csq
    return Reply([f"+CSQ: {rssi},{ber}"])


@command("+CREG", "+CGREG", "+CEREG")
def _creg(st: ModemState, cmd: Command) -> Reply:
    attr = {"+CREG": "creg_n", "+CGREG": "cgreg_n", "+CEREG": "cgreg_n"}[cmd.name]
    if cmd.kind == "test":
        return Reply([f"{cmd.name}: (0-2)"])
    if cmd.kind == "set":
        setattr(st.settings, attr, _choice(cmd, range(3)))
        return Reply()
    if cmd.kind != "read":
        raise CommandFailed(ERROR)
    n, net = getattr(st.settings, attr), st.network
    line = f"{cmd.name}: {n},{net.creg_stat}"
    if n == 2 and net.registered:
        line += f',"{net.lac}","{net.cell}"'
    return Reply([line])


@command("+COPS")
def _cops(st: ModemState, cmd: Command) -> Reply:
    net, act = st.network, st.profile.operator_act
    if cmd.kind == "test":
        entry = f'(2,"{net.operator}","{net.operator}","{net.operator_numeric}"'
        entry += f",{act})" if act is not None else ")"
        return Reply([f"+COPS: {entry},,(0-4),(0-2)"])
    if cmd.kind == "read":
        if not net.registered:
            return Reply(["+COPS: 0"])
        line = f'+COPS: 0,0,"{net.operator}"' + (f",{act}" if act is not None else "")
        return Reply([line])
    if cmd.kind == "set" and int_arg(cmd.args, 0, 0) not in range(5):
        raise CommandFailed(ERROR)
    return Reply()


@command("+CUSD", needs_sim=True)
def _cusd(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "read":
        return Reply([f"+CUSD: {st.settings.cusd}"])
    if cmd.kind == "test":
        return Reply(["+CUSD: (0-2)"])
    st.settings.cusd = _choice(cmd, range(3))
    if len(cmd.args) < 2 or not cmd.args[1]:
        return Reply()
    if not st.network.registered:
        raise CommandFailed(cme(30))
    request = unquote(cmd.args[1])
    text = f"Your number is {st.config.number}" if request == "*#100#" else st.config.ussd_reply
    st.host.schedule(0.05, lambda: st.host.emit_urc([f'+CUSD: 0,"{text}",15']))
    return Reply()


@command("+CHUP", "+CVHU", "+CRC")
def _call_control(st: ModemState, cmd: Command) -> Reply:
    # voice-call controls: nothing to hang up, but clients probe them
    return Reply()


@command("^PORTSEL", profiles=("huawei",))
def _portsel(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "read":
        return Reply(["^PORTSEL: 0"])
    if cmd.kind == "test":
        return Reply(["^PORTSEL: (0-1)"])
    _choice(cmd, range(2))
    return Reply()


@command("^CURC", profiles=("huawei",))
def _curc(st: ModemState, cmd: Command) -> Reply:
    if cmd.kind == "read":
        return Reply([f"^CURC: {st.settings.curc}"])
    if cmd.kind == "test":
        return Reply(["^CURC: (0-1)"])
    st.settings.curc = _choice(cmd, range(2))
    return Reply()

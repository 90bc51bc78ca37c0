"""Find the modem's AT port: `modembridge probe --scan` and `port = "auto"`.

Every candidate tty is opened (exclusive, flow control off, short timeouts) and asked a few
read-only questions over plain AT: ``AT`` (several tries: a SIM800 autobauds and loses the
first one), ``AT+CGMI``/``AT+CGMM`` for identity and ``AT+CNMI=?`` to see whether the port
takes SMS indication settings. Unsolicited lines seen meanwhile (``^RSSI``, ``+CMTI``...) mark
the port that carries URCs: on a Huawei stick that is the PC UI port, not the PPP port.

Hostile ports are the norm here: a port that never answers, a UART spraying garbage, a port
held by another program. Each port gets a deadline and bounded reads, so a scan can neither
hang nor crash. The full driver lives in :mod:`modembridge.modem`; this is deliberately a
small, separate AT exchange that changes no modem setting.
"""

from __future__ import annotations

import glob
import os
import re
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace

from modembridge.transport.urls import PortError, SerialLike, open_port

BY_ID_DIR = "serial/by-id"
# Scan order; earlier names win when several resolve to the same tty.
DEV_PATTERNS = (
    "modembridge-at*",
    "ttyUSB[0-9]*",
    "ttyACM[0-9]*",
    "serial0",
    "ttyAMA0",
    "ttyS0",
)
UDEV_DATA_DIR = "/run/udev/data"
MAX_BUFFER = 4096  # bytes kept per exchange: a garbage-spraying port cannot grow memory
AT_TRIES = 3

_FINAL_RE = re.compile(rb"(?:^|[\r\n])(OK|ERROR|\+CM[ES] ERROR:[^\r\n]*|COMMAND NOT SUPPORT)\r?\n")
_URC_PREFIXES = (
    "^",  # Huawei: ^RSSI, ^BOOT, ^MODE, ^HCSQ, ^SIMST ...
    "+CMTI:",
    "+CDSI:",
    "+CDS:",
    "+CMT:",
    "+CREG:",
    "+CGREG:",
    "+CEREG:",
    "+CUSD:",
    "+CLIP:",
    "+CPIN:",
    "+CFUN:",
    "+QIND:",
    "RING",
    "RDY",
    "Call Ready",
    "SMS Ready",
    "PB DONE",
    "UNDER-VOLTAGE",
)


class NoModemFoundError(RuntimeError):
    """No candidate port answered AT; the message lists what was tried and why it failed."""


@dataclass(frozen=True)
class PortCandidate:
    """What a scan learned about one port.

    Attributes:
        path: the name to put in the config (a by-id or modembridge-at link when one exists).
        device: the tty it resolves to, e.g. ``/dev/ttyUSB2``.
        by_id: ``path`` is a ``/dev/serial/by-id`` link (survives renumbering).
        responds: the port answered ``AT`` with ``OK``.
        urc_capable: the port accepts ``AT+CNMI=?`` or sent unsolicited codes.
        urc_seen: unsolicited codes arrived while we talked to it.
        udev_at: our udev rules tagged it as the AT port (``MODEMBRIDGE_AT=1``).
        manufacturer: answer to ``AT+CGMI``, if any.
        model: answer to ``AT+CGMM``, if any.
        aliases: other names of the same tty that the scan found.
        reason: one line on why it is (not) a modem port.
    """

    path: str
    device: str
    by_id: bool = False
    responds: bool = False
    urc_capable: bool = False
    urc_seen: bool = False
    udev_at: bool = False
    manufacturer: str | None = None
    model: str | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)
    reason: str = ""

    def to_dict(self) -> dict[str, object]:
        """The JSON form printed by ``modembridge probe --scan``."""
        data = asdict(self)
        data["aliases"] = list(self.aliases)
        return data


@dataclass(frozen=True)
class CandidatePath:
    """One tty to probe, under its preferred name (see :func:`list_candidates`)."""

    path: str
    device: str
    by_id: bool
    aliases: tuple[str, ...]


def list_candidates(extra: Iterable[str] = (), dev_dir: str = "/dev") -> list[CandidatePath]:
    """Candidate ports in preference order, one entry per tty.

    Args:
        extra: more paths to consider (tests pass pty links here); they come last.
        dev_dir: the device directory (tests pass a fake tree).

    Returns:
        Ports in scan order: by-id links first, then our udev links, ttyUSB, ttyACM, the
        Pi UART names, then ``extra``. Names resolving to the same tty are merged.
    """
    names: list[tuple[str, bool]] = [
        (p, True) for p in sorted(glob.glob(os.path.join(dev_dir, BY_ID_DIR, "*")))
    ]
    for pattern in DEV_PATTERNS:
        names.extend((p, False) for p in sorted(glob.glob(os.path.join(dev_dir, pattern))))
    names.extend((p, False) for p in extra)
    ports: dict[str, CandidatePath] = {}
    for name, by_id in names:
        if not os.path.exists(name):
            continue  # dangling link or a path that vanished
        device = os.path.realpath(name)
        known = ports.get(device)
        if known is None:
            ports[device] = CandidatePath(name, device, by_id, ())
        elif name != known.path and name not in known.aliases:
            ports[device] = CandidatePath(known.path, device, known.by_id, (*known.aliases, name))
    return list(ports.values())


def scan_ports(
    extra: Iterable[str] = (),
    *,
    dev_dir: str = "/dev",
    baudrate: int = 115200,
    deadline: float = 4.0,
    listen: float = 1.0,
    udev_dir: str = UDEV_DATA_DIR,
) -> list[PortCandidate]:
    """Probe every candidate port concurrently; see :func:`probe_port`.

    Args:
        extra: more paths to probe.
        dev_dir: the device directory.
        baudrate: line speed for real UARTs (USB ports ignore it).
        deadline: seconds allowed per port for the whole exchange.
        listen: seconds spent listening for URCs on a port that answered.
        udev_dir: where udev keeps its device database.

    Returns:
        One :class:`PortCandidate` per tty, in scan order.
    """
    ports = list_candidates(extra, dev_dir)
    if not ports:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(ports))) as pool:
        jobs = [
            pool.submit(
                probe_port,
                port.path,
                device=port.device,
                by_id=port.by_id,
                aliases=port.aliases,
                baudrate=baudrate,
                deadline=deadline,
                listen=listen,
                udev_dir=udev_dir,
            )
            for port in ports
        ]
        return [job.result() for job in jobs]


def probe_port(
    path: str,
    *,
    device: str | None = None,
    by_id: bool = False,
    aliases: Sequence[str] = (),
    baudrate: int = 115200,
    deadline: float = 4.0,
    listen: float = 1.0,
    udev_dir: str = UDEV_DATA_DIR,
) -> PortCandidate:
    """Open ``path`` and find out whether a modem's AT interpreter is behind it.

    Never raises for port trouble: failures become ``responds=False`` with a ``reason``.
    """
    device = device or os.path.realpath(path)
    base = PortCandidate(
        path=path,
        device=device,
        by_id=by_id,
        udev_at=_udev_tagged(device, udev_dir),
        aliases=tuple(aliases),
    )
    try:
        port = open_port(path, baudrate=baudrate, flow_control=False, timeout=0.05)
    except PortError as exc:
        return replace(base, reason=exc.reason)
    try:
        return _interrogate(port, base, time.monotonic() + deadline, listen)
    except (OSError, ValueError) as exc:  # pyserial raises SerialException (an OSError)
        return replace(base, reason=f"I/O error: {' '.join(str(exc).split())}")
    finally:
        port.close()


def choose_auto_port(candidates: Sequence[PortCandidate]) -> PortCandidate:
    """Pick the port for ``port = "auto"``.

    Preference: answers AT, then carries SMS indications (accepts ``AT+CNMI=?`` or sent URCs),
    then URCs actually seen, then tagged by our udev rules, then a by-id path; ties keep scan
    order.

    Raises:
        NoModemFoundError: no port answered AT; the message says what each port did.
    """
    responding = [c for c in candidates if c.responds]
    if not responding:
        tried = "; ".join(f"{c.path}: {c.reason or 'no answer'}" for c in candidates)
        raise NoModemFoundError(
            "no modem answered AT"
            + (f" (tried {tried})" if tried else " (no serial ports found)")
            + ". Is the modem plugged in and switched to modem mode, is ModemManager"
            " holding the port, is the user in the dialout group?"
        )
    return max(responding, key=lambda c: (c.urc_capable, c.urc_seen, c.udev_at, c.by_id))


def resolve_auto_port(
    extra: Iterable[str] = (), *, dev_dir: str = "/dev", baudrate: int = 115200
) -> str:
    """Scan and return the path to use for ``port = "auto"``.

    Raises:
        NoModemFoundError: as :func:`choose_auto_port`.
    """
    return choose_auto_port(scan_ports(extra, dev_dir=dev_dir, baudrate=baudrate)).path


def scan_report(candidates: Sequence[PortCandidate]) -> dict[str, object]:
    """The JSON object printed by ``modembridge probe --scan``: ports and the auto choice."""
    try:
        auto: str | None = choose_auto_port(candidates).path
        error = None
    except NoModemFoundError as exc:
        auto, error = None, str(exc)
    return {"ports": [c.to_dict() for c in candidates], "auto": auto, "error": error}


# --- the AT exchange ------------------------------------------------------------------------


def _interrogate(
    port: SerialLike, base: PortCandidate, until: float, listen: float
) -> PortCandidate:
    # leftovers (boot banners, a previous user's output) are dropped but their URCs count
    urcs = _urcs(_read_until(port, min(until, time.monotonic() + 0.1), None))
    answered = False
    per_try = max(0.2, (until - time.monotonic()) / (AT_TRIES + 3))
    for _ in range(AT_TRIES):
        final, lines = _command(port, "AT", min(until, time.monotonic() + per_try))
        urcs += [line for line in lines if _is_urc(line)]
        if final == "OK":
            answered = True
            urcs += _urcs(_read_until(port, min(until, time.monotonic() + 0.1), None))
            break
    if not answered:
        return replace(base, reason="no answer to AT")
    _final, maker = _command(port, "AT+CGMI", min(until, time.monotonic() + per_try))
    _final, model = _command(port, "AT+CGMM", min(until, time.monotonic() + per_try))
    cnmi_final, cnmi = _command(port, "AT+CNMI=?", min(until, time.monotonic() + per_try))
    for lines in (maker, model, cnmi):
        urcs += [line for line in lines if _is_urc(line)]
    listen_until = min(until, time.monotonic() + listen)
    urcs += _urcs(_read_until(port, listen_until, None))
    cnmi_ok = cnmi_final == "OK"
    if cnmi_ok:
        reason = "answers AT and accepts AT+CNMI (SMS indications)"
    else:
        reason = f"answers AT; AT+CNMI=? gave {cnmi_final or 'no answer'}"
    if urcs:
        reason += f"; unsolicited: {urcs[0][:40]}"
    return replace(
        base,
        responds=True,
        urc_capable=cnmi_ok or bool(urcs),
        urc_seen=bool(urcs),
        manufacturer=_identity(maker, "+CGMI:"),
        model=_identity(model, "+CGMM:"),
        reason=reason,
    )


def _command(port: SerialLike, command: str, until: float) -> tuple[str | None, list[str]]:
    """Send one command; return its final result (None on timeout) and the other lines."""
    port.write(command.encode("ascii") + b"\r")
    data = _read_until(port, until, _FINAL_RE)
    # the last final result is ours; earlier ones may be late replies to an earlier try
    matches = list(_FINAL_RE.finditer(data))
    match = matches[-1] if matches else None
    # lines around the final result: info lines before it, URCs on either side
    rest = data[: match.start(1)] + data[match.end() :] if match else data
    lines = [line for line in _split_lines(rest) if not line.upper().startswith("AT")]
    return (match.group(1).decode("ascii", "replace") if match else None), lines


def _read_until(port: SerialLike, until: float, stop: re.Pattern[bytes] | None) -> bytes:
    """Read until ``stop`` matches or the deadline passes, keeping at most MAX_BUFFER bytes."""
    data = b""
    while time.monotonic() < until:
        chunk = port.read(max(1, min(port.in_waiting, 512)))
        if not chunk:
            continue  # read timed out (50 ms); check the deadline again
        data = (data + chunk)[-MAX_BUFFER:]
        if stop is not None and stop.search(data):
            break
    return data


def _urcs(data: bytes) -> list[str]:
    return [line for line in _split_lines(data) if _is_urc(line)]


def _split_lines(data: bytes) -> list[str]:
    text = data.decode("ascii", "replace")
    return [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]


def _is_urc(line: str) -> bool:
    return line.startswith(_URC_PREFIXES)


def _identity(lines: list[str], prefix: str) -> str | None:
    for line in lines:
        noise = "\ufffd" in line or not line.isprintable()
        if noise or _is_urc(line) or _FINAL_RE.match(line.encode() + b"\n"):
            continue  # line noise, or a late final result of an earlier command
        if line.upper().startswith(prefix):
            line = line[len(prefix) :].strip()
        return line.strip('"')[:64] or None
    return None


def _udev_tagged(device: str, udev_dir: str) -> bool:
    """True when udev's database says our rules tagged this tty (MODEMBRIDGE_AT=1)."""
    try:
        st = os.stat(device)
        path = os.path.join(udev_dir, f"c{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}")
        with open(path, encoding="utf-8", errors="replace") as handle:
            return any(line.strip() == "E:MODEMBRIDGE_AT=1" for line in handle)
    except OSError:
        return False

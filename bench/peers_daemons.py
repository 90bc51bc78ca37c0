"""The established SMS daemons, driven the way their users drive them, on a simulated modem.

gammu-smsd with the files backend (outbox files in, RunOnReceive hook) and smstools3's smsd
(spool files in ``outgoing``, an eventhandler); each gets a temp spool, a config whose device
is the simulator's pty link, and a reply hook that answers every received SMS with "PONG" by
dropping a file into its own outbox, as a keyword auto-responder built on these daemons would.
"default" keeps the shipped timings; "tuned" shortens the loops for latency and throughput.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

from bench.harness import stop_process

GAMMU_TUNED = {
    "LoopSleep": "0",
    "CommTimeout": "0",
    "ReceiveFrequency": "1",
    "StatusFrequency": "0",
    "CheckSecurity": "0",
    "CheckBattery": "0",
    "CheckSignal": "0",
    "CheckNetwork": "0",
}
SMSTOOLS_TUNED = {"delaytime": "1", "delaytime_mainprocess": "1"}


class Daemon:
    """A peer daemon process with its spool; subclasses write the config and the files."""

    binary = ""
    name = ""

    def __init__(self, folder: Path, link: Path, variant: str) -> None:
        """Write the config and the reply hook (nothing starts until ``start``)."""
        self.folder, self.link, self.variant = folder, link, variant
        folder.mkdir(parents=True, exist_ok=True)
        self.staging = folder / "staging"  # files are written here, then renamed into the spool
        self.staging.mkdir(exist_ok=True)
        self.proc: subprocess.Popen[bytes] | None = None
        self._serial = itertools.count()
        self.command = self.configure()

    @classmethod
    def available(cls) -> bool:
        """True when the daemon is installed."""
        return shutil.which(cls.binary) is not None

    def configure(self) -> list[str]:
        """Write the config; return the command line (foreground)."""
        raise NotImplementedError

    def outbox_file(self, phone: str, text: str) -> tuple[str, str]:
        """(file name in the outbox, content) for one outgoing SMS."""
        raise NotImplementedError

    @property
    def outbox(self) -> Path:
        """The spool folder the daemon sends from."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the daemon in the foreground, output to a log."""
        with (self.folder / "daemon.out").open("wb") as out:
            self.proc = subprocess.Popen(
                self.command, stdout=out, stderr=subprocess.STDOUT, cwd=self.folder
            )

    def enqueue(self, phone: str, text: str) -> None:
        """Queue one SMS the way a script would: a complete file renamed into the outbox."""
        name, content = self.outbox_file(phone, text)
        temp = self.staging / f"t{next(self._serial)}"
        temp.write_text(content)
        temp.rename(self.outbox / name)

    def stop(self) -> None:
        """SIGTERM and wait."""
        if self.proc is not None:
            stop_process(self.proc, timeout=30)


class Gammu(Daemon):
    """gammu-smsd, files backend."""

    binary = "gammu-smsd"

    def configure(self) -> list[str]:
        """gammurc with [gammu] on the link and [smsd] on temp spool folders."""
        self.name = f"gammu-smsd ({self.variant})"
        spool = {d: self.folder / d for d in ("inbox", "outbox", "sent", "error")}
        for path in spool.values():
            path.mkdir(exist_ok=True)
        hook = self.folder / "on_receive.sh"
        # RunOnReceive gets the inbox file names: IN<date>_<time>_<serial>_<sender>_<seq>.txt
        hook.write_text(
            "#!/bin/sh\n"
            'for f in "$@"; do\n'
            '  sender=$(echo "$f" | cut -d_ -f4)\n'
            f'  tmp="{self.staging}/reply.$$"\n'
            '  printf PONG > "$tmp"\n'
            f'  mv "$tmp" "{spool["outbox"]}/OUTA_${{sender}}_r$$.txt"\n'
            "done\n"
        )
        hook.chmod(0o755)
        smsd = {
            "service": "files",
            "inboxpath": f"{spool['inbox']}/",
            "outboxpath": f"{spool['outbox']}/",
            "sentsmspath": f"{spool['sent']}/",
            "errorsmspath": f"{spool['error']}/",
            "logfile": str(self.folder / "smsd.log"),
            "RunOnReceive": str(hook),
            **(GAMMU_TUNED if self.variant == "tuned" else {}),
        }
        lines = ["[gammu]", f"device = {self.link}", "connection = at115200", "", "[smsd]"]
        lines += [f"{key} = {value}" for key, value in smsd.items()]
        config = self.folder / "gammurc"
        config.write_text("\n".join(lines) + "\n")
        return [self.binary, "-c", str(config)]

    @property
    def outbox(self) -> Path:
        """The files backend's outbox."""
        return self.folder / "outbox"

    def outbox_file(self, phone: str, text: str) -> tuple[str, str]:
        """``OUT<priority>_<recipient>_<serial>.txt`` with the text."""
        return f"OUTA_{phone}_{next(self._serial):06d}.txt", text


class Smstools(Daemon):
    """smstools3's smsd."""

    binary = "smsd"

    def configure(self) -> list[str]:
        """smsd.conf with one device on the link and temp spool folders."""
        self.name = f"smstools3 ({self.variant})"
        spool = {d: self.folder / d for d in ("outgoing", "checked", "failed", "incoming", "sent")}
        for path in spool.values():
            path.mkdir(exist_ok=True)
        hook = self.folder / "eventhandler.sh"
        # eventhandler: $1 = RECEIVED|SENT|FAILED|REPORT, $2 = the message file
        hook.write_text(
            "#!/bin/sh\n"
            '[ "$1" = RECEIVED ] || exit 0\n'
            'sender=$(sed -n "s/^From: //p" "$2" | head -n 1)\n'
            f'tmp="{self.staging}/reply.$$"\n'
            'printf "To: %s\\n\\nPONG\\n" "$sender" > "$tmp"\n'
            f'mv "$tmp" "{spool["outgoing"]}/reply.$$"\n'
        )
        hook.chmod(0o755)
        settings = {
            "devices": "GSM1",
            **{name: str(path) for name, path in spool.items()},
            "logfile": str(self.folder / "smsd.log"),
            "infofile": str(self.folder / "smsd.working"),
            "pidfile": str(self.folder / "smsd.pid"),
            "loglevel": "5",
            "eventhandler": str(hook),
            "receive_before_send": "no",
            "autosplit": "3",
            **(SMSTOOLS_TUNED if self.variant == "tuned" else {}),
        }
        lines = [f"{key} = {value}" for key, value in settings.items()]
        lines += ["", "[GSM1]", f"device = {self.link}", "incoming = yes", "baudrate = 115200"]
        config = self.folder / "smsd.conf"
        config.write_text("\n".join(lines) + "\n")
        return [self.binary, "-t", f"-c{config}"]

    @property
    def outbox(self) -> Path:
        """smsd's outgoing spool."""
        return self.folder / "outgoing"

    def outbox_file(self, phone: str, text: str) -> tuple[str, str]:
        """A spool file: ``To:`` header (international number without +), blank line, text."""
        return f"msg{next(self._serial):06d}", f"To: {phone.lstrip('+')}\n\n{text}\n"


DAEMONS: dict[str, type[Daemon]] = {"gammu": Gammu, "smstools": Smstools}

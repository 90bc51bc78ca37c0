"""udev rules: a real parser for the syntax, a lint for the ATTRS pitfall, and a small
evaluator that runs the rules against modelled USB modems (tty -> usb-serial -> interface ->
device), so each supported modem is shown to get /dev/modembridge-at on the right port and
ID_MM_DEVICE_IGNORE everywhere. Where udevadm exists, udev itself checks the syntax too.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULE_FILES = sorted((ROOT / "udev").glob("*.rules"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

MATCH_OPS = {"==", "!="}
ASSIGN_OPS = {"=", "+=", "-=", ":="}
# key -> (attribute: "required" | "optional" | "none", allowed operators)
KEYS: dict[str, tuple[str, set[str]]] = {
    **{k: ("none", MATCH_OPS) for k in ("ACTION", "DEVPATH", "KERNEL", "KERNELS", "SUBSYSTEM")},
    **{k: ("none", MATCH_OPS) for k in ("SUBSYSTEMS", "DRIVER", "DRIVERS", "TAGS", "RESULT")},
    "PROGRAM": ("none", MATCH_OPS),
    "ATTRS": ("required", MATCH_OPS),
    "CONST": ("required", MATCH_OPS),
    "TEST": ("optional", MATCH_OPS),
    "ATTR": ("required", MATCH_OPS | ASSIGN_OPS),
    "SYSCTL": ("required", MATCH_OPS | ASSIGN_OPS),
    "ENV": ("required", MATCH_OPS | ASSIGN_OPS),
    "TAG": ("none", MATCH_OPS | ASSIGN_OPS),
    "NAME": ("none", MATCH_OPS | ASSIGN_OPS),
    "SYMLINK": ("none", MATCH_OPS | ASSIGN_OPS),
    "IMPORT": ("required", {"=", "==", "!=", "+="}),
    **{k: ("none", ASSIGN_OPS) for k in ("OWNER", "GROUP", "MODE", "OPTIONS")},
    "SECLABEL": ("required", ASSIGN_OPS),
    "RUN": ("optional", {"=", "+=", ":="}),
    "LABEL": ("none", {"="}),
    "GOTO": ("none", {"="}),
}
_PAIR_RE = re.compile(r"([A-Z_]+)(?:\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*([ei]?)\"")


class RuleSyntaxError(ValueError):
    """A rules file does not parse; the message names file and line."""


@dataclass(frozen=True)
class Pair:
    key: str
    attr: str | None
    op: str
    value: str


@dataclass(frozen=True)
class Rule:
    where: str
    pairs: tuple[Pair, ...]

    def get(self, key: str) -> list[Pair]:
        return [p for p in self.pairs if p.key == key]


def parse_rules(text: str, name: str = "rules", *, strict: bool = True) -> list[Rule]:
    """Parse udev rules text: comments, backslash continuations, KEY{attr}OP"value" pairs.

    ``strict`` (for our own files) also demands exactly one comma between pairs; udev itself
    tolerates doubled or missing commas in older files.
    """
    rules: list[Rule] = []
    pending, start = "", 0
    for number, raw in enumerate(text.split("\n"), 1):
        if not pending:
            start = number
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
        if raw.endswith("\\"):
            pending += raw[:-1]
            continue
        line, pending = pending + raw, ""
        where = f"{name}:{start}"
        rules.append(Rule(where, tuple(_parse_line(line, where, strict))))
    if pending:
        raise RuleSyntaxError(f"{name}: file ends inside a continued line")
    return rules


def _parse_line(line: str, where: str, strict: bool) -> list[Pair]:
    pairs: list[Pair] = []
    pos = 0
    while True:
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if pos >= len(line):
            break
        if pairs:
            if line[pos] != ",":
                if strict:
                    raise RuleSyntaxError(f"{where}: expected ',' at column {pos + 1}")
            else:
                pos += 1
                while pos < len(line) and line[pos] in " \t" + ("" if strict else ","):
                    pos += 1
                if pos >= len(line):
                    raise RuleSyntaxError(f"{where}: trailing comma")
        match = _PAIR_RE.match(line, pos)
        if not match:
            raise RuleSyntaxError(f'{where}: not a KEY=="value" pair: {line[pos : pos + 30]!r}')
        key, attr, op, _prefix = match.groups()
        value, pos = _read_value(line, match.end(), where)
        _check_pair(key, attr, op, where, strict)
        pairs.append(Pair(key, attr, op, value))
    if not pairs:
        raise RuleSyntaxError(f"{where}: empty rule")
    return pairs


def _read_value(line: str, pos: int, where: str) -> tuple[str, int]:
    out = []
    while pos < len(line):
        char = line[pos]
        if char == "\\" and pos + 1 < len(line):
            out.append(line[pos : pos + 2])
            pos += 2
        elif char == '"':
            return "".join(out), pos + 1
        else:
            out.append(char)
            pos += 1
    raise RuleSyntaxError(f"{where}: unbalanced quotes")


def _check_pair(key: str, attr: str | None, op: str, where: str, strict: bool) -> None:
    if not strict and key == "PROGRAM" and op == "=":
        return  # old files; udev reads it as "==" with a warning
    if key not in KEYS:
        raise RuleSyntaxError(f"{where}: unknown key {key}")
    attr_rule, ops = KEYS[key]
    if attr_rule == "required" and not attr:
        raise RuleSyntaxError(f"{where}: {key} needs {{attribute}}")
    if attr_rule == "none" and attr is not None:
        raise RuleSyntaxError(f"{where}: {key} takes no {{attribute}}")
    if op not in ops:
        raise RuleSyntaxError(f"{where}: operator {op} not valid for {key}")


def attrs_pitfalls(rules: list[Rule]) -> list[str]:
    """Rules matching idVendor/idProduct and bInterfaceNumber through ATTRS: never true."""
    bad = []
    for rule in rules:
        names = {p.attr for p in rule.get("ATTRS")}
        if names & {"idVendor", "idProduct"} and "bInterfaceNumber" in names:
            bad.append(rule.where)
    return bad


def load(path: Path) -> list[Rule]:
    return parse_rules(path.read_text(encoding="utf-8"), path.name)


# --- parser and lint -------------------------------------------------------------------------


def test_rule_files_exist() -> None:
    assert [p.name for p in RULE_FILES] == ["99-modembridge.rules"]
    # sorted after 60-serial.rules, which runs usb_id and makes /dev/serial/by-id
    assert all(p.name > "60-serial.rules" for p in RULE_FILES)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_file_parses_and_avoids_attrs_pitfall(path: Path) -> None:
    rules = load(path)
    assert rules
    assert attrs_pitfalls(rules) == []
    labels = [p.value for r in rules for p in r.get("LABEL")]
    for index, rule in enumerate(rules):
        for goto in rule.get("GOTO"):
            later = [p.value for r in rules[index + 1 :] for p in r.get("LABEL")]
            assert goto.value in later, f"{rule.where}: GOTO {goto.value} has no later LABEL"
    assert len(labels) == len(set(labels))
    for rule in rules:
        # permissions stay with Debian's root:dialout 0660
        assert not rule.get("MODE") and not rule.get("OWNER") and not rule.get("GROUP")
        for link in rule.get("SYMLINK"):
            assert link.value.startswith("modembridge-at"), rule.where


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('KERNEL=="ttyUSB*", SYMLINK+="x', "unbalanced quotes"),
        ('FOO=="bar"', "unknown key FOO"),
        ('ENV=="x"', "ENV needs"),
        ('KERNEL{x}=="y"', "takes no"),
        ('ATTRS{idVendor}="12d1"', "operator = not valid"),
        ('KERNEL=="a" SUBSYSTEM=="tty"', "expected ','"),
        ('KERNEL=="a",', "trailing comma"),
        ('KERNEL=="a", \\', "continued line"),
        ("KERNEL==ttyUSB0", "not a KEY"),
    ],
)
def test_parser_rejects_bad_syntax(text: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError, match=re.escape(message)):
        parse_rules(text)


def test_parser_handles_continuations_comments_and_escapes() -> None:
    text = '# comment\n\nKERNEL=="tty*", \\\n  ENV{A}="say \\"hi\\"", RUN+="x"\n'
    (rule,) = parse_rules(text)
    assert rule.where == "rules:3"
    assert [p.key for p in rule.pairs] == ["KERNEL", "ENV", "RUN"]
    assert rule.pairs[1].value == 'say \\"hi\\"'


def test_lint_catches_vendor_and_interface_in_one_attrs_rule() -> None:
    bad = parse_rules(
        'SUBSYSTEM=="tty", ATTRS{idVendor}=="2c7c", ATTRS{bInterfaceNumber}=="02", SYMLINK+="x"'
    )
    assert attrs_pitfalls(bad) == ["rules:1"]


def test_parser_reads_the_systems_own_rules() -> None:
    system = Path("/usr/lib/udev/rules.d")
    if not system.is_dir():
        pytest.skip("no system udev rules here")
    for path in sorted(system.glob("*.rules")):
        parse_rules(path.read_text(encoding="utf-8"), path.name, strict=False)


# --- evaluator: run the rules against modelled modems ---------------------------------------


@dataclass
class Dev:
    subsystem: str
    kernel: str
    attrs: dict[str, str] = field(default_factory=dict)
    driver: str = ""


@dataclass
class Outcome:
    env: dict[str, str]
    symlinks: list[str]


def _matches(value: str, pattern: str) -> bool:
    return any(fnmatch.fnmatchcase(value, alt) for alt in pattern.split("|"))


def _compare(value: str, pair: Pair) -> bool:
    return _matches(value, pair.value) == (pair.op == "==")


def _usb_id(chain: list[Dev]) -> dict[str, str]:
    """What udev's usb_id builtin sets for a node below a USB device."""
    device = next(d for d in chain if "idVendor" in d.attrs)
    iface = next((d for d in chain if "bInterfaceNumber" in d.attrs), None)
    env = {
        "ID_VENDOR_ID": device.attrs["idVendor"],
        "ID_MODEL_ID": device.attrs["idProduct"],
        "ID_USB_INTERFACES": device.attrs["_interfaces"],
    }
    if device.attrs.get("serial"):
        env["ID_SERIAL_SHORT"] = device.attrs["serial"]
    if iface is not None:
        env["ID_USB_INTERFACE_NUM"] = iface.attrs["bInterfaceNumber"]
    return env


def evaluate(rules: list[Rule], chain: list[Dev], env: dict[str, str], action: str) -> Outcome:
    """Apply rules to the event device chain[0] the way udev does (the subset we use)."""
    env, links = dict(env), []
    goto: str | None = None
    for rule in rules:
        labels = [p.value for p in rule.get("LABEL")]
        if goto is not None:
            if goto in labels:
                goto = None
            continue
        parent_keys = [p for p in rule.pairs if p.key in ("ATTRS", "SUBSYSTEMS", "KERNELS")]
        selected: Dev | None = None
        if parent_keys:
            # all parent keys of one rule must match on the SAME device of the chain
            selected = next((d for d in chain if all(_on(d, p) for p in parent_keys)), None)
            if selected is None:
                continue
        if not all(_match_local(p, chain[0], env, action) for p in rule.pairs):
            continue
        for pair in rule.pairs:
            value = _substitute(pair.value, chain[0], selected, env)
            if pair.key == "ENV" and pair.op in ASSIGN_OPS:
                env[pair.attr or ""] = value
            elif pair.key == "SYMLINK" and pair.op in ASSIGN_OPS:
                links = (links if pair.op == "+=" else []) + value.split()
            elif pair.key == "IMPORT":
                assert pair.attr == "builtin" and value == "usb_id", rule.where
                env.update(_usb_id(chain))
            elif pair.key == "GOTO":
                goto = value
            elif pair.key not in ("LABEL", "ATTRS", "SUBSYSTEMS", "KERNELS") and pair.op in (
                ASSIGN_OPS
            ):
                raise NotImplementedError(f"{rule.where}: evaluator lacks {pair.key}")
    assert goto is None, f"GOTO {goto} never found its LABEL"
    return Outcome({k: v for k, v in env.items() if not k.startswith(".")}, links)


def _on(dev: Dev, pair: Pair) -> bool:
    if pair.key == "ATTRS":
        return pair.attr in dev.attrs and _compare(dev.attrs[pair.attr or ""], pair)
    return _compare(dev.subsystem if pair.key == "SUBSYSTEMS" else dev.kernel, pair)


def _match_local(pair: Pair, dev: Dev, env: dict[str, str], action: str) -> bool:
    if pair.op not in MATCH_OPS or pair.key in ("ATTRS", "SUBSYSTEMS", "KERNELS"):
        return True
    values = {"ACTION": action, "SUBSYSTEM": dev.subsystem, "KERNEL": dev.kernel}
    if pair.key == "ENV":
        return _compare(env.get(pair.attr or "", ""), pair)
    if pair.key not in values:
        raise NotImplementedError(f"evaluator lacks match key {pair.key}")
    return _compare(values[pair.key], pair)


def _substitute(value: str, dev: Dev, parent: Dev | None, env: dict[str, str]) -> str:
    def attr(match: re.Match[str]) -> str:
        name = match.group(2)
        if match.group(1) == "env":
            return env.get(name, "")
        if name in dev.attrs:
            return dev.attrs[name]
        return parent.attrs.get(name, "") if parent else ""

    return re.sub(r"\$(attr|env)\{([^}]+)\}", attr, value)


def modem(vid: str, pid: str, ports: dict[str, str], serial: str = "") -> list[list[Dev]]:
    """Device chains for a USB modem: its usb device, interfaces and ttys (ttyUSB0...)."""
    device = Dev("usb", "1-1", {"idVendor": vid, "idProduct": pid, "serial": serial})
    device.attrs["_interfaces"] = ":" + ":".join(dict.fromkeys(ports.values())) + ":"
    chains: list[list[Dev]] = [[device]]
    for index, (number, sig) in enumerate(sorted(ports.items())):
        iface = Dev(
            "usb",
            f"1-1:1.{int(number)}",
            {
                "bInterfaceNumber": number,
                "bInterfaceClass": sig[:2],
                "bInterfaceSubClass": sig[2:4],
                "bInterfaceProtocol": sig[4:],
            },
        )
        port = Dev("usb-serial", f"ttyUSB{index}", {"port_number": "0"})
        tty = Dev("tty", f"ttyUSB{index}", {"dev": f"188:{index}"})
        chains += [[iface, device], [tty, port, iface, device]]
    return chains


def run_modem(chains: list[list[Dev]], action: str = "add") -> dict[str, Outcome]:
    rules = [r for path in RULE_FILES for r in load(path)]
    results = {}
    for chain in chains:
        env = {}
        if chain[0].subsystem == "tty":
            env = _usb_id(chain)  # 60-serial.rules ran usb_id before our file
        results[chain[0].kernel] = evaluate(rules, chain, env, action)
    return results


FF = "ffffff"
SUPPORTED = {
    # name: (vendor, product, {interface: class/subclass/protocol}, expected AT interface)
    "huawei-e1550": ("12d1", "1001", {"00": FF, "01": FF, "02": FF}, "02"),
    "huawei-e173-140c": ("12d1", "140c", {"00": FF, "01": FF, "02": FF, "03": FF}, "02"),
    "huawei-e173-1436": ("12d1", "1436", {"00": FF, "01": FF, "02": FF, "03": FF}, "02"),
    "huawei-e3372-stick-old": ("12d1", "1506", {"00": FF, "01": FF}, "00"),
    "huawei-1506-descriptors": ("12d1", "1506", {"00": "ff0201", "02": "ff0202"}, "02"),
    "huawei-e173-descriptors": ("12d1", "1436", {"00": "ff0101", "01": "ff0102"}, "01"),
    "quectel-ec21": ("2c7c", "0121", {"00": FF, "01": FF, "02": FF, "03": FF}, "02"),
    "quectel-ec25": ("2c7c", "0125", {"00": FF, "01": FF, "02": FF, "03": FF}, "02"),
    "quectel-eg95": ("2c7c", "0195", {"00": FF, "01": FF, "02": FF, "03": FF}, "02"),
    "simcom-sim7600": ("1e0e", "9001", {f"0{i}": FF for i in range(5)}, "02"),
    "simcom-9011": ("1e0e", "9011", {f"0{i}": FF for i in range(2, 6)}, "04"),
    "zte-0016": ("19d2", "0016", {"00": FF, "01": FF, "02": FF}, "02"),
    "zte-0031": ("19d2", "0031", {"00": FF, "01": FF, "03": FF}, "03"),
    "zte-0063": ("19d2", "0063", {"00": FF, "01": FF, "02": FF, "03": FF}, "03"),
    "zte-0117": ("19d2", "0117", {"00": FF, "01": FF, "02": FF}, "02"),
}


@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_supported_modem_gets_link_on_at_port_and_mm_ignore(name: str) -> None:
    vid, pid, ports, at_if = SUPPORTED[name]
    results = run_modem(modem(vid, pid, ports, serial="SN123"))
    at_tty = f"ttyUSB{sorted(ports).index(at_if)}"
    for kernel, outcome in results.items():
        assert outcome.env.get("ID_MM_DEVICE_IGNORE") == "1", kernel
        if kernel == at_tty:
            assert outcome.symlinks == ["modembridge-at", "modembridge-at-SN123"]
            assert outcome.env.get("MODEMBRIDGE_AT") == "1"
        else:
            assert outcome.symlinks == [], kernel
            assert "MODEMBRIDGE_AT" not in outcome.env


def test_modem_without_serial_gets_only_the_plain_link() -> None:
    results = run_modem(modem("2c7c", "0125", {"00": FF, "01": FF, "02": FF, "03": FF}))
    assert results["ttyUSB2"].symlinks == ["modembridge-at"]


def test_other_usb_serial_devices_are_left_alone() -> None:
    results = run_modem(modem("0403", "6001", {"00": FF}, serial="FT1"))  # an FTDI cable
    assert all(not o.symlinks and "ID_MM_DEVICE_IGNORE" not in o.env for o in results.values())


def test_remove_events_are_skipped() -> None:
    results = run_modem(modem("2c7c", "0125", {"02": FF}), action="remove")
    assert all(not o.symlinks and not o.env.get("ID_MM_DEVICE_IGNORE") for o in results.values())


def test_every_device_in_the_rules_has_a_test_case() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in RULE_FILES)
    in_rules = set(re.findall(r"\b([0-9a-f]{4}:[0-9a-f]{4})\b", text))
    tested = {f"{vid}:{pid}" for vid, pid, _ports, _at in SUPPORTED.values()}
    assert in_rules == tested


def test_evaluator_shows_why_the_attrs_pitfall_matters() -> None:
    wrong = parse_rules(
        'SUBSYSTEM=="tty", ATTRS{idVendor}=="2c7c", ATTRS{bInterfaceNumber}=="02", '
        'SYMLINK+="modembridge-at"'
    )
    chain = modem("2c7c", "0125", {"02": FF})[2]
    assert evaluate(wrong, chain, {}, "add").symlinks == []  # never matches, as on real udev


# --- udev's own opinion ----------------------------------------------------------------------


def _udevadm() -> str:
    path = shutil.which("udevadm")
    if path is None:
        if IN_CI:
            pytest.fail("udevadm missing in CI: apt-get install udev")
        pytest.skip("udevadm not installed")
    return path


def _udevadm_has_verify(udevadm: str) -> bool:
    result = subprocess.run(
        [udevadm, "verify", "--help"], capture_output=True, text=True, check=False
    )
    return result.returncode == 0


def test_udevadm_accepts_the_rules(tmp_path: Path) -> None:
    udevadm = _udevadm()
    if _udevadm_has_verify(udevadm):  # systemd >= 254
        result = subprocess.run(
            [udevadm, "verify", "--resolve-names=never", *map(str, RULE_FILES)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return
    # systemd < 254: `udevadm test` reports parse errors as "<file>:<line> ..." lines (and
    # exits 0). It reads rules only from the system directories and writes to /dev and /run,
    # so run it in a private mount namespace with our file bind-mounted into place.
    devices = sorted(Path("/sys/class/tty").glob("*"))
    if os.geteuid() != 0 or not shutil.which("unshare") or not devices:
        pytest.skip("udevadm test needs root, unshare and a tty in /sys/class/tty")
    rules_dir = tmp_path / "rules.d"
    rules_dir.mkdir()
    for path in RULE_FILES:
        shutil.copy(path, rules_dir / path.name)
    script = (
        f"mount --bind {rules_dir} /etc/udev/rules.d && mount -t tmpfs tmpfs /run && "
        f"mount -t tmpfs tmpfs /dev && exec {udevadm} test {devices[0]}"
    )
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    output = result.stdout + result.stderr
    if "Operation not permitted" in output and "Reading rules file" not in output:
        pytest.skip("no permission for a private mount namespace here")
    for path in RULE_FILES:
        installed = f"/etc/udev/rules.d/{path.name}"
        assert f"Reading rules file: {installed}" in output, output[-2000:]
        problems = [line for line in output.splitlines() if line.startswith(installed)]
        assert problems == []

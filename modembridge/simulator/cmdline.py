"""Command lines as the modem sees them: splitting ``AT...`` lines, arguments, result codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "CME_TEXT",
    "CMS_TEXT",
    "ERROR",
    "OK",
    "Command",
    "CommandFailed",
    "Reply",
    "Result",
    "cme",
    "cms",
    "format_block",
    "format_result",
    "int_arg",
    "parse_command_line",
    "split_args",
    "unquote",
]

CME_TEXT: dict[int, str] = {
    3: "operation not allowed",
    4: "operation not supported",
    10: "SIM not inserted",
    11: "SIM PIN required",
    12: "SIM PUK required",
    13: "SIM failure",
    14: "SIM busy",
    16: "incorrect password",
    21: "invalid index",
    30: "no network service",
    50: "Incorrect parameters",
    100: "unknown",
}

CMS_TEXT: dict[int, str] = {
    300: "ME failure",
    302: "operation not allowed",
    303: "operation not supported",
    304: "invalid PDU mode parameter",
    305: "invalid text mode parameter",
    310: "SIM not inserted",
    311: "SIM PIN required",
    314: "SIM busy",
    316: "SIM PUK required",
    320: "memory failure",
    321: "invalid memory index",
    322: "memory full",
    330: "SMSC address unknown",
    331: "no network service",
    332: "network timeout",
    500: "unknown error",
}

_EXTENDED_PREFIXES = "+^$%*#"


@dataclass(frozen=True)
class Result:
    """A final result code: OK, ERROR, +CME ERROR, +CMS ERROR or a vendor text (RAW)."""

    kind: str  # "OK" | "ERROR" | "CME" | "CMS" | "RAW"
    code: int = 0
    text: str = ""


OK = Result("OK")
ERROR = Result("ERROR")


def cme(code: int) -> Result:
    """A ``+CME ERROR: <code>`` result."""
    return Result("CME", code)


def cms(code: int) -> Result:
    """A ``+CMS ERROR: <code>`` result."""
    return Result("CMS", code)


class CommandFailed(Exception):
    """Raised by a handler to end its command with an error result."""

    def __init__(self, result: Result) -> None:
        super().__init__(result)
        self.result = result


@dataclass
class Reply:
    """What one command answers: information lines, then a final result or a ``> `` prompt.

    ``prompt`` is called with the text typed after the prompt (ESC-aborted input never reaches
    it); it returns the reply to the whole command.
    """

    lines: list[str] = field(default_factory=list)
    result: Result = OK
    prompt: Callable[[str], Reply] | None = None
    # the real answer comes from ``deferred`` after ``delay`` seconds (network round trip)
    delay: float = 0.0
    deferred: Callable[[], Reply] | None = None


@dataclass(frozen=True)
class Command:
    """One command of a command line: ``+CMGS`` with kind ``set`` and args ``("23",)``."""

    name: str  # upper case: "+CMGS", "^CURC", "E", "&F", "I", "S0"
    kind: str  # "exec" | "read" | "test" | "set"
    args: tuple[str, ...] = ()
    raw: str = ""


def split_args(text: str) -> tuple[str, ...]:
    """Split ``1,"a,b",3`` on commas outside double quotes; tokens keep their quotes."""
    args: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if quoted:
        raise ValueError("unterminated string")
    args.append("".join(current).strip())
    return tuple(args)


def unquote(token: str) -> str:
    """``"SM"`` -> ``SM``; unquoted tokens are returned stripped."""
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return token[1:-1]
    return token


def int_arg(args: tuple[str, ...], index: int, default: int | None = None) -> int:
    """Integer argument ``index`` (``default`` when absent or empty).

    Raises:
        CommandFailed: ERROR when the argument is missing without default or not a number.
    """
    token = args[index].strip() if index < len(args) else ""
    if not token:
        if default is None:
            raise CommandFailed(ERROR)
        return default
    if not token.isdigit():
        raise CommandFailed(ERROR)
    return int(token)


def _split_extended(body: str) -> tuple[str, str]:
    """Cut one extended command off ``body`` at the first ``;`` outside quotes."""
    quoted = False
    for pos, char in enumerate(body):
        if char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            return body[:pos], body[pos + 1 :]
    return body, ""


def _extended(text: str) -> Command:
    pos = 1
    while pos < len(text) and (text[pos].isalnum() or text[pos] == "_"):
        pos += 1
    name, rest = text[:pos].upper(), text[pos:].strip()
    if len(name) < 2:
        raise ValueError("empty command name")
    if rest == "":
        return Command(name, "exec", (), text)
    if rest == "?":
        return Command(name, "read", (), text)
    if rest == "=?":
        return Command(name, "test", (), text)
    if rest.startswith("="):
        return Command(name, "set", split_args(rest[1:]), text)
    raise ValueError(f"bad syntax after {name}")


def _basic(body: str) -> tuple[Command, str]:
    """One basic command (``E0``, ``&F``, ``S0=1``, ``I4``) and the rest of the line."""
    pos = 2 if body[0] == "&" else 1
    name = body[:pos].upper()
    if len(name) == 2 and not name[1].isalpha():
        raise ValueError("bad & command")
    if name == "D":  # dial takes the rest of the line
        return Command("D", "set", (body[1:].strip(),), body), ""
    if name == "S":
        start = pos
        while pos < len(body) and body[pos].isdigit():
            pos += 1
        name = "S" + body[start:pos]
        if body[pos : pos + 1] == "?":
            return Command(name, "read", (), body[: pos + 1]), body[pos + 1 :]
        if body[pos : pos + 1] == "=":
            end = pos + 1
            while end < len(body) and body[end].isdigit():
                end += 1
            return Command(name, "set", (body[pos + 1 : end],), body[:end]), body[end:]
    start = pos
    while pos < len(body) and body[pos].isdigit():
        pos += 1
    args = (body[start:pos],) if pos > start else ()
    return Command(name, "exec", args, body[:pos]), body[pos:]


def parse_command_line(line: str) -> list[Command]:
    """Split the text after ``AT`` into commands (basic ones, and ``;``-chained extended ones).

    Raises:
        ValueError: on a syntax error (the modem answers ERROR).
    """
    commands: list[Command] = []
    body = line
    while True:
        body = body.lstrip(" ;")
        if not body:
            return commands
        if body[0] in _EXTENDED_PREFIXES:
            text, body = _split_extended(body)
            commands.append(_extended(text.strip()))
        elif body[0].isalpha() or body[0] == "&":
            command, body = _basic(body)
            commands.append(command)
        else:
            raise ValueError(f"unexpected character {body[0]!r}")


def format_block(lines: list[str]) -> bytes:
    """Frame information lines as ``\\r\\n<l1>\\r\\n<l2>\\r\\n``."""
    if not lines:
        return b""
    return ("\r\n" + "\r\n".join(lines) + "\r\n").encode("latin-1", "replace")


def format_result(result: Result, cmee: int) -> bytes:
    """Frame a final result, honouring the ``AT+CMEE`` verbosity (0 plain, 1 numeric, 2 text)."""
    if result.kind == "OK":
        text = "OK"
    elif result.kind == "RAW":
        text = result.text
    elif result.kind == "CME":
        if cmee == 0:
            text = "ERROR"
        elif cmee == 2:
            text = f"+CME ERROR: {CME_TEXT.get(result.code, 'unknown')}"
        else:
            text = f"+CME ERROR: {result.code}"
    elif result.kind == "CMS":
        # 27.005: +CMS ERROR is reported whatever CMEE says; CMEE=2 switches to text.
        if cmee == 2:
            text = f"+CMS ERROR: {CMS_TEXT.get(result.code, 'unknown error')}"
        else:
            text = f"+CMS ERROR: {result.code}"
    else:
        text = "ERROR"
    return f"\r\n{text}\r\n".encode("ascii")

"""Command line: `modembridge run | simulator | probe | sendsms`.

Heavy imports happen inside each command so `modembridge --help` stays fast on a Pi.
Errors the user can fix are printed as one line on stderr with a non-zero exit.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from modembridge import __version__


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


F = TypeVar("F", bound=Callable[..., Any])


def serial_options(command: F) -> F:
    """--baudrate, --pin and --flow-control, shared by the commands that open a modem."""
    command = click.option(
        "--flow-control/--no-flow-control",
        default=True,
        show_default=True,
        help="RTS/CTS hardware flow control (off for a SIM800 on the Pi UART).",
    )(command)
    command = click.option(
        "--pin", default="", help="SIM PIN, entered once if the SIM asks for it."
    )(command)
    return click.option("--baudrate", default=115200, show_default=True)(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="modembridge")
def cli() -> None:
    """modembridge: a self-hosted SMS system on a USB GSM modem."""


@cli.command()
@click.option("--config", "config_path", default=None, help="Config file (TOML).")
def run(config_path: str | None) -> None:
    """Start the bridge: modems, queue, scheduler and the admin page."""
    from modembridge.app import run_service
    from modembridge.config import ConfigError

    try:
        code = run_service(config_path)
    except ConfigError as exc:
        _fail(str(exc), 2)
    sys.exit(code)


@cli.command()
@click.option("--link", required=True, help="Path of the symlink to the simulated modem's tty.")
@click.option("--profile", default="generic", show_default=True, help="Vendor quirk profile.")
@click.option("--control", default=None, metavar="HOST:PORT", help="HTTP control API address.")
@click.option("--latency", default=0.0, show_default=True, help="Seconds per AT command.")
@click.option("--sms-latency", default=0.0, show_default=True, help="Extra seconds per SMS part.")
@click.option("--slots", default=30, show_default=True, help="SIM storage slots.")
@click.option("--pin", default="", help="SIM PIN (empty: no PIN).")
@click.option("--number", default="+15550009999", show_default=True, help="The SIM's number.")
def simulator(
    link: str,
    profile: str,
    control: str | None,
    latency: float,
    sms_latency: float,
    slots: int,
    pin: str,
    number: str,
) -> None:
    """Run a simulated modem on a pseudo-terminal until SIGTERM."""
    from modembridge.simulator.main import run_simulator
    from modembridge.simulator.profiles import PROFILES

    if profile not in PROFILES:
        _fail(f"unknown profile {profile!r}; choose from {', '.join(sorted(PROFILES))}", 2)
    if latency < 0 or sms_latency < 0 or slots < 1:
        _fail("latency must be >= 0 and slots >= 1", 2)
    try:
        run_simulator(
            link=link,
            profile=profile,
            control=control,
            latency=latency,
            sms_latency=sms_latency,
            slots=slots,
            pin=pin,
            number=number,
        )
    except (OSError, ValueError) as exc:
        _fail(str(exc))


@cli.command()
@click.option("--port", "url", default=None, help="Device path or pyserial URL (sim://).")
@serial_options
@click.option("--scan", is_flag=True, help="Probe every serial port; print which answer AT.")
@click.option("--include", multiple=True, metavar="PATH", help="With --scan: also probe PATH.")
def probe(
    url: str | None,
    baudrate: int,
    pin: str,
    flow_control: bool,
    scan: bool,
    include: tuple[str, ...],
) -> None:
    """Connect to a modem and print what it is, as one JSON object (or --scan for ports)."""
    if scan:
        from modembridge import discovery

        report = discovery.scan_report(discovery.scan_ports(include, baudrate=baudrate))
        click.echo(json.dumps(report, ensure_ascii=False))
        if report["auto"] is None:
            _fail(str(report["error"]))
        return
    if url is None:
        _fail("give --port URL, or --scan", 2)
        return
    from modembridge.modem.probe import ProbeError
    from modembridge.modem.probe import probe as run_probe

    try:
        info = run_probe(url, baudrate=baudrate, pin=pin, flow_control=flow_control)
    except ProbeError as exc:
        _fail(str(exc))
    click.echo(json.dumps(info, ensure_ascii=False))


@cli.command()
@click.option("--port", "url", required=True, help="Device path or pyserial URL (sim://).")
@click.option("--to", "to", required=True, help="Recipient, e.g. +15551234567.")
@click.option("--text", required=True, help="Message text (any length; split into parts).")
@click.option("--flash", is_flag=True, help="Send as a class-0 flash SMS.")
@click.option("--no-report", is_flag=True, help="Do not request a delivery report.")
@serial_options
def sendsms(
    url: str,
    to: str,
    text: str,
    flash: bool,
    no_report: bool,
    baudrate: int,
    pin: str,
    flow_control: bool,
) -> None:
    """Send one SMS without the service and print its part references as JSON."""
    from modembridge.modem.errors import ProbeError
    from modembridge.modem.oneshot import send_sms_once
    from modembridge.validation import ValidationError, check_text

    number = "".join(c for c in to if c not in " -().")  # "+1 (555) 123-4567" is fine
    try:
        check_text(text)
    except ValidationError as exc:
        _fail(str(exc), 2)
    try:
        result = send_sms_once(
            url,
            number,
            text,
            flash=flash,
            report=not no_report,
            baudrate=baudrate,
            pin=pin,
            flow_control=flow_control,
        )
    except (ProbeError, ValueError) as exc:  # ValueError: a number or text we cannot encode
        _fail(str(exc))
    click.echo(json.dumps(result))


@cli.group()
def token() -> None:
    """API tokens for the REST API (`Authorization: Bearer TOKEN`)."""


@token.command("create")
@click.argument("name")
@click.option("--config", "config_path", default=None, help="Config file (TOML).")
def token_create(name: str, config_path: str | None) -> None:
    """Create a token called NAME and print it (shown only this once; stored hashed)."""
    from modembridge.clock import utcnow
    from modembridge.config import ConfigError, find_config_file, load_config
    from modembridge.store.db import Database, StoreError
    from modembridge.store.tokens import TokenRepository

    try:
        config = load_config(find_config_file(config_path))
        db = Database(config.storage.path)
    except (ConfigError, StoreError) as exc:
        _fail(str(exc), 2)
    try:
        click.echo(TokenRepository(db).create(name, utcnow()))
    except ValueError as exc:
        _fail(str(exc), 2)
    finally:
        db.close()


@cli.command("set-password")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (one line).")
@click.option("--config", "config_path", default=None, help="Config file (TOML).")
def set_password(password_stdin: bool, config_path: str | None) -> None:
    """Set the admin page's password (asks twice, hidden, unless --password-stdin)."""
    from modembridge.admin.password_cli import CommandError, read_stdin_password
    from modembridge.admin.password_cli import set_password as store_password

    def read() -> str:
        if password_stdin:
            return read_stdin_password(sys.stdin)
        return str(click.prompt("New password", hide_input=True, confirmation_prompt=True))

    try:
        store_password(config_path, read)
    except CommandError as exc:
        _fail(str(exc), exc.code)
    click.echo("password set; logged-in sessions must log in again")


@cli.group()
def contacts() -> None:
    """Contacts: import from CSV."""


@contacts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--list", "list_name", default=None, help="Put every imported contact on a list.")
@click.option(
    "--no-requests",
    is_flag=True,
    help="Rows without consent evidence stay 'none' (no double-opt-in request is texted).",
)
@click.option("--config", "config_path", default=None, help="Config file (TOML).")
def contacts_import(
    file: Path, list_name: str | None, no_requests: bool, config_path: str | None
) -> None:
    """Import contacts from FILE.csv (phone, first_name, last_name, email, tags, lists,
    consent); bad rows are listed, not fatal."""
    from modembridge.contacts.cli import import_command

    code = import_command(file, list_name=list_name, ask=not no_requests, config_path=config_path)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for the console script and run.py."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="modembridge")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

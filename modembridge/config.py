"""Configuration: TOML per INTERFACES.md, validated into frozen dataclasses.

Bad config is a user error, so every problem raises ConfigError with the file, the key and
what is wrong, never a KeyError or a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modembridge.rules.compliance import DEFAULT_HELP, settings_problem

SEARCH_PATHS = (Path("modembridge.toml"), Path("/etc/modembridge/modembridge.toml"))
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_QUIET_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class ConfigError(ValueError):
    """The configuration is unusable; the message names the file and key."""


@dataclass(frozen=True)
class ModemSettings:
    """One `[[modem]]` entry."""

    name: str = "main"
    port: str = "sim://"
    baudrate: int = 115200
    flow_control: bool = False
    pin: str = ""
    parts_per_minute: int = 6
    parts_per_day: int = 400


@dataclass(frozen=True)
class WebSettings:
    """The `[web]` table."""

    host: str = "127.0.0.1"
    port: int = 8080
    secret_key_file: Path = Path("data/secret_key")


@dataclass(frozen=True)
class StorageSettings:
    """The `[storage]` table."""

    path: Path = Path("data/modembridge.db")


@dataclass(frozen=True)
class ComplianceSettings:
    """The `[compliance]` table."""

    brand: str = "Acme"
    default_region: str = "US"
    # `quiet_hours = "08:00-20:00"` names the window in which marketing MAY be sent
    # (recipient local time); outside it marketing waits.
    send_window_start_minute: int = 8 * 60
    send_window_end_minute: int = 20 * 60
    marketing_per_day: int = 3
    double_opt_in: bool = True
    # Keywords (modembridge.rules): the double-opt-in keyword, the HELP answer ({brand} is
    # filled in) and the per-sender auto-reply limit.
    join_keyword: str = "JOIN"
    help_text: str = DEFAULT_HELP
    auto_reply_limit: int = 5
    auto_reply_window_minutes: int = 10


@dataclass(frozen=True)
class CampaignSettings:
    """The `[campaigns]` table."""

    # A run missed while the service was down still runs at start within this many seconds.
    misfire_grace_seconds: int = 3600
    # The share of the modems' rate and daily cap one campaign run may plan (the rest stays
    # free for transactional traffic).
    share_percent: int = 80


@dataclass(frozen=True)
class Config:
    """The whole configuration; `source` is None when running on built-in defaults."""

    modems: tuple[ModemSettings, ...] = (ModemSettings(),)
    web: WebSettings = field(default_factory=WebSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    compliance: ComplianceSettings = field(default_factory=ComplianceSettings)
    campaigns: CampaignSettings = field(default_factory=CampaignSettings)
    source: Path | None = None


def find_config_file(explicit: str | None, environ: Mapping[str, str] | None = None) -> Path | None:
    """Return the config file to use, following the documented search order.

    Args:
        explicit: the `--config` argument, if any (must exist when given).
        environ: environment mapping (defaults to os.environ).

    Raises:
        ConfigError: an explicitly named file does not exist.
    """
    env = os.environ if environ is None else environ
    for named in (explicit, env.get("MODEMBRIDGE_CONFIG")):
        if named:
            path = Path(named)
            if not path.is_file():
                raise ConfigError(f"{path}: config file not found")
            return path
    for candidate in SEARCH_PATHS:
        try:
            if candidate.is_file():
                return candidate
        except OSError:  # e.g. run via sudo -u from a home folder the user cannot read
            continue
    return None


def load_config(path: Path | None) -> Config:
    """Read and validate a config file; None gives the built-in simulator defaults."""
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_config(raw, source=path)


def parse_config(raw: Mapping[str, Any], *, source: Path | None = None) -> Config:
    """Validate an already-parsed TOML document."""
    where = str(source) if source else "config"
    _reject_unknown(raw, {"modem", "web", "storage", "compliance", "campaigns"}, where)
    modem_entries = raw.get("modem", [{}])
    if not isinstance(modem_entries, list) or not modem_entries:
        raise ConfigError(f"{where}: [[modem]] must be a list of tables with at least one entry")
    modems = tuple(
        _parse_modem(entry, f"{where}: modem[{i}]") for i, entry in enumerate(modem_entries)
    )
    names = [m.name for m in modems]
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: modem names must be unique, got {names}")
    return Config(
        modems=modems,
        web=_parse_web(_table(raw, "web", where), f"{where}: [web]"),
        storage=_parse_storage(_table(raw, "storage", where), f"{where}: [storage]"),
        compliance=_parse_compliance(_table(raw, "compliance", where), f"{where}: [compliance]"),
        campaigns=_parse_campaigns(_table(raw, "campaigns", where), f"{where}: [campaigns]"),
        source=source,
    )


def _table(raw: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value


def _reject_unknown(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _get(table: Mapping[str, Any], key: str, kind: type, default: Any, where: str) -> Any:
    value = table.get(key, default)
    # bool is an int subclass: do not let `true` pass as a number or 1 as a flag.
    if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
        raise ConfigError(f"{where}: {key} must be {kind.__name__}, got {value!r}")
    return value


def _positive(table: Mapping[str, Any], key: str, default: int, where: str) -> int:
    value: int = _get(table, key, int, default, where)
    if value <= 0:
        raise ConfigError(f"{where}: {key} must be a positive integer, got {value}")
    return value


def _parse_modem(entry: Any, where: str) -> ModemSettings:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: must be a table")
    defaults = ModemSettings()
    allowed = {"name", "port", "baudrate", "flow_control", "pin", "parts_per_minute"}
    _reject_unknown(entry, allowed | {"parts_per_day"}, where)
    name = _get(entry, "name", str, defaults.name, where)
    if not _NAME_RE.match(name):
        raise ConfigError(f"{where}: name must be 1-32 letters, digits, '_', '.', '-'")
    port = _get(entry, "port", str, defaults.port, where).strip()
    if not port or any(ord(c) < 32 for c in port):
        raise ConfigError(f"{where}: port must be a device path or URL")
    pin = _get(entry, "pin", str, defaults.pin, where)
    if pin and not re.fullmatch(r"\d{4,8}", pin):
        raise ConfigError(f"{where}: pin must be 4-8 digits")
    return ModemSettings(
        name=name,
        port=port,
        baudrate=_positive(entry, "baudrate", defaults.baudrate, where),
        flow_control=_get(entry, "flow_control", bool, defaults.flow_control, where),
        pin=pin,
        parts_per_minute=_positive(entry, "parts_per_minute", defaults.parts_per_minute, where),
        parts_per_day=_positive(entry, "parts_per_day", defaults.parts_per_day, where),
    )


def _parse_web(table: Mapping[str, Any], where: str) -> WebSettings:
    _reject_unknown(table, {"listen", "secret_key_file"}, where)
    listen = _get(table, "listen", str, "127.0.0.1:8080", where)
    host, sep, port_text = listen.rpartition(":")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"{where}: listen must be HOST:PORT, got {listen!r}")
    key_file = _get(table, "secret_key_file", str, str(WebSettings.secret_key_file), where)
    return WebSettings(host=host.strip("[]"), port=int(port_text), secret_key_file=Path(key_file))


def _parse_storage(table: Mapping[str, Any], where: str) -> StorageSettings:
    _reject_unknown(table, {"path"}, where)
    return StorageSettings(path=Path(_get(table, "path", str, str(StorageSettings.path), where)))


def _parse_compliance(table: Mapping[str, Any], where: str) -> ComplianceSettings:
    allowed = {"brand", "default_region", "quiet_hours", "marketing_per_day", "double_opt_in"}
    allowed |= {"join_keyword", "help_text", "auto_reply_limit", "auto_reply_window_minutes"}
    _reject_unknown(table, allowed, where)
    defaults = ComplianceSettings()
    region = _get(table, "default_region", str, defaults.default_region, where).upper()
    if not re.fullmatch(r"[A-Z]{2}", region):
        raise ConfigError(f"{where}: default_region must be a two-letter country code")
    quiet = _get(table, "quiet_hours", str, "08:00-20:00", where)
    match = _QUIET_RE.match(quiet)
    if not match:
        raise ConfigError(f"{where}: quiet_hours must look like 08:00-20:00, got {quiet!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end > 24 * 60 or start == end:
        raise ConfigError(f"{where}: quiet_hours {quiet!r} is not a usable window")
    brand = _get(table, "brand", str, defaults.brand, where).strip()
    if not brand or any(ord(c) < 32 for c in brand):
        raise ConfigError(f"{where}: brand must be non-empty text without control characters")
    return ComplianceSettings(
        brand=brand,
        default_region=region,
        send_window_start_minute=start,
        send_window_end_minute=end,
        marketing_per_day=_positive(table, "marketing_per_day", defaults.marketing_per_day, where),
        double_opt_in=_get(table, "double_opt_in", bool, defaults.double_opt_in, where),
        **_parse_keywords(table, defaults, where),
    )


def _parse_keywords(
    table: Mapping[str, Any], defaults: ComplianceSettings, where: str
) -> dict[str, Any]:
    join = _get(table, "join_keyword", str, defaults.join_keyword, where).strip()
    help_text = _get(table, "help_text", str, defaults.help_text, where).strip()
    problem = settings_problem(join, help_text)
    if problem:
        raise ConfigError(f"{where}: {problem}")
    limit = _positive(table, "auto_reply_limit", defaults.auto_reply_limit, where)
    window = _positive(
        table, "auto_reply_window_minutes", defaults.auto_reply_window_minutes, where
    )
    return {
        "join_keyword": join,
        "help_text": help_text,
        "auto_reply_limit": limit,
        "auto_reply_window_minutes": window,
    }


def _parse_campaigns(table: Mapping[str, Any], where: str) -> CampaignSettings:
    _reject_unknown(table, {"misfire_grace_seconds", "share_percent"}, where)
    defaults = CampaignSettings()
    grace = _positive(table, "misfire_grace_seconds", defaults.misfire_grace_seconds, where)
    share = _positive(table, "share_percent", defaults.share_percent, where)
    if share > 100:
        raise ConfigError(f"{where}: share_percent must be 1-100, got {share}")
    return CampaignSettings(misfire_grace_seconds=grace, share_percent=share)

"""In-process simulators by name, so ``sim://`` ports and the admin page reach the same modem.

``sim://[PROFILE][?latency=S&sms_latency=S&slots=N&pin=PIN&number=+N&name=NAME&seed=N]``
names a simulator (``name`` defaults to ``"sim"``). The first open creates and starts it; later
opens of the same name reach the same device (its SIM storage persists across reconnects).
"""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

from modembridge.simulator.engine import SimModem
from modembridge.simulator.operations import SimOperations
from modembridge.simulator.profiles import get_profile
from modembridge.simulator.state import SimConfig

__all__ = ["DEFAULT_NAME", "get", "get_or_create", "names", "parse_sim_url", "remove", "shutdown"]

DEFAULT_NAME = "sim"

_lock = threading.Lock()
_simulators: dict[str, SimOperations] = {}


def _number(options: dict[str, str], key: str, default: float) -> float:
    if key not in options:
        return default
    value = float(options[key])
    if not 0 <= value <= 3600:
        raise ValueError(f"{key} must be between 0 and 3600 seconds")
    return value


def parse_sim_url(url: str) -> tuple[str, SimConfig]:
    """``sim://huawei?slots=5&name=b`` -> ("b", SimConfig(profile="huawei", slots=5)).

    Raises:
        ValueError: not a sim:// URL, unknown profile or option, or a bad value.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "sim":
        raise ValueError(f"not a sim:// URL: {url!r}")
    profile = get_profile(parts.netloc or parts.path.strip("/") or "generic").name
    options: dict[str, str] = {}
    for key, values in parse_qs(parts.query, keep_blank_values=True).items():
        options[key] = values[-1]
    known = {"latency", "sms_latency", "slots", "pin", "number", "name", "seed"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(f"unknown sim:// option(s): {', '.join(unknown)}")
    slots = int(options.get("slots", "20"))
    if not 1 <= slots <= 255:
        raise ValueError("slots must be between 1 and 255")
    pin = options.get("pin", "")
    if pin and not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise ValueError("pin must be 4 to 8 digits")
    config = SimConfig(
        profile=profile,
        latency=_number(options, "latency", 0.0),
        sms_latency=_number(options, "sms_latency", 0.0),
        slots=slots,
        pin=pin,
        number=options.get("number", SimConfig.number),
        seed=int(options["seed"]) if "seed" in options else None,
    )
    return options.get("name") or DEFAULT_NAME, config


def _name_of(url_or_name: str) -> str:
    return parse_sim_url(url_or_name)[0] if "://" in url_or_name else url_or_name


def get(url_or_name: str = DEFAULT_NAME) -> SimOperations | None:
    """The running simulator called ``url_or_name`` (a name or a sim:// URL), or None."""
    with _lock:
        return _simulators.get(_name_of(url_or_name))


def get_or_create(name: str, config: SimConfig) -> SimOperations:
    """The simulator ``name``; created and started with ``config`` on first use.

    Raises:
        ValueError: a simulator of that name already runs another profile.
    """
    with _lock:
        existing = _simulators.get(name)
        if existing is not None:
            running = existing.modem.config.profile
            if get_profile(config.profile).name != get_profile(running).name:
                raise ValueError(
                    f"simulator {name!r} already runs profile {running!r}; add ?name=... "
                    "to the URL for a second simulated modem"
                )
            return existing
        modem = SimModem(config)
        modem.start()
        operations = SimOperations(modem)
        _simulators[name] = operations
        return operations


def names() -> list[str]:
    """Names of the running in-process simulators."""
    with _lock:
        return sorted(_simulators)


def remove(name: str) -> None:
    """Stop and forget one simulator (tests use this for a clean slate)."""
    with _lock:
        operations = _simulators.pop(name, None)
    if operations is not None:
        operations.modem.stop()


def shutdown() -> None:
    """Stop every in-process simulator (application shutdown)."""
    for name in names():
        remove(name)

"""Configuration and mutable state of one simulated modem (shared by the command handlers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from modembridge.simulator.network import Network, SentLog
from modembridge.simulator.profiles import Profile, get_profile
from modembridge.simulator.storage import MessageStore

__all__ = ["Faults", "Host", "ModemState", "Settings", "SimConfig"]


@dataclass(frozen=True)
class SimConfig:
    """How a simulated modem is built (CLI flags / ``sim://`` URL options)."""

    profile: str = "generic"
    latency: float = 0.0  # seconds before each command's answer
    sms_latency: float = 0.0  # seconds between Ctrl-Z and +CMGS
    slots: int = 20  # SIM (SM) slots
    pin: str = ""  # empty: no PIN
    puk: str = "12345678"
    number: str = "+15550009999"  # own number (AT+CNUM, USSD)
    smsc: str = "+15550000000"
    s_registers: dict[int, int] = field(
        default_factory=lambda: {0: 0, 3: 13, 4: 10, 5: 8, 6: 2, 7: 60, 8: 2, 10: 15}
    )
    operator: str = "SimNet"
    ussd_reply: str = "Balance: 12.34 EUR"
    first_reference: int = 1  # first TP-MR handed out
    seed: int | None = None  # random noise (garbage fault) seed
    noise_interval: float | None = None  # Huawei URC noise period (None: the profile's)

    def get_profile(self) -> Profile:
        """The resolved vendor profile (raises ValueError for an unknown name)."""
        return get_profile(self.profile)


class Host(Protocol):
    """What command handlers may ask of the engine that runs them."""

    def schedule(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` (under the modem lock) after ``delay`` seconds."""

    def emit_urc(self, lines: list[str]) -> None:
        """Write an unsolicited result code now."""

    def reboot(self, *, announce: bool) -> None:
        """Restart the modem firmware (state lost, storage kept)."""

    def sim_ready(self) -> None:
        """The SIM was just unlocked: ready URCs, SMS subsystem start-up."""

    def registration_changed(self) -> None:
        """Radio/network state changed: +CREG URCs when enabled."""

    def flush_indications(self) -> None:
        """Deliver buffered SMS indications after a CNMI change."""

    def storage_changed(self) -> None:
        """A slot was freed: messages waiting in the network may be stored now."""


@dataclass
class Settings:
    """Volatile settings, reset by ATZ (partly), AT&F and every reboot."""

    echo: bool = True
    cmee: int = 0
    cmgf: int = 0
    cscs: str = "IRA"
    cnmi: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    cpms: tuple[str, str, str] = ("SM", "SM", "SM")
    creg_n: int = 0
    cgreg_n: int = 0
    curc: int = 1
    csmp: tuple[int, int, int, int] = (17, 167, 0, 0)
    csms: int = 0
    cusd: int = 0
    smsc: str = "+15550000000"
    s_registers: dict[int, int] = field(
        default_factory=lambda: {0: 0, 3: 13, 4: 10, 5: 8, 6: 2, 7: 60, 8: 2, 10: 15}
    )


@dataclass
class Faults:
    """Active injected faults (POST /fault)."""

    hang_until: float | None = None  # monotonic deadline; inf = until cleared
    cms_error_code: int = 0
    cms_error_count: int = 0
    garbage_bytes: int = 0  # size of noise put before each of the next responses
    garbage_count: int = 0
    sim_full: bool = False

    def hung(self, now: float) -> bool:
        """True while the hang fault swallows input."""
        return self.hang_until is not None and now < self.hang_until


@dataclass
class ModemState:
    """Everything the command handlers read and change."""

    config: SimConfig
    profile: Profile
    host: Host
    store: MessageStore
    network: Network
    sent: SentLog
    settings: Settings = field(default_factory=Settings)
    faults: Faults = field(default_factory=Faults)
    pin: str = ""  # current PIN (a PUK unlock sets a new one)
    pin_unlocked: bool = False
    pin_attempts: int = 3  # SIM counters survive reboots
    puk_attempts: int = 10
    sms_ready: bool = True
    # SMS indications held back (CNMI mode 0 or link busy), written when allowed
    held_indications: list[list[str]] = field(default_factory=list)

    @classmethod
    def create(cls, config: SimConfig, host: Host) -> ModemState:
        """Build the power-up state of a modem from its configuration."""
        profile = config.get_profile()
        capacities = dict(profile.memories)
        capacities["SM"] = config.slots
        state = cls(
            config=config,
            profile=profile,
            host=host,
            store=MessageStore(capacities, profile.index_base),
            network=Network(operator=config.operator),
            sent=SentLog(config.first_reference),
        )
        state.reset_settings()
        state.pin = config.pin
        state.pin_unlocked = not config.pin
        return state

    def reset_settings(self) -> None:
        """Factory settings of the profile (AT&F, reboot)."""
        self.settings = Settings(cnmi=self.profile.cnmi_default, smsc=self.config.smsc)

    @property
    def sim_status(self) -> str:
        """What ``AT+CPIN?`` answers: READY, SIM PIN, SIM PUK or BLOCKED (CME 13)."""
        if self.puk_attempts <= 0:
            return "BLOCKED"
        if self.pin_attempts <= 0:
            return "SIM PUK"
        return "READY" if self.pin_unlocked else "SIM PIN"

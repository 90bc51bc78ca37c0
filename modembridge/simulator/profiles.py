"""Vendor quirk profiles of the simulated modem: identity, URCs, storage and CNMI support."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["PROFILES", "CnmiSupport", "Profile", "get_profile"]


@dataclass(frozen=True)
class CnmiSupport:
    """Allowed values of each ``AT+CNMI`` parameter and the text ``AT+CNMI=?`` answers."""

    mode: frozenset[int]
    mt: frozenset[int]
    bm: frozenset[int]
    ds: frozenset[int]
    bfr: frozenset[int]
    text: str

    def allows(self, values: tuple[int, int, int, int, int]) -> bool:
        """True when every CNMI parameter is in its supported set."""
        sets = (self.mode, self.mt, self.bm, self.ds, self.bfr)
        return all(value in allowed for value, allowed in zip(values, sets, strict=True))


def _cnmi(mode: str, mt: str, bm: str, ds: str, bfr: str) -> CnmiSupport:
    def expand(spec: str) -> frozenset[int]:
        values: set[int] = set()
        for item in spec.split(","):
            low, _, high = item.partition("-")
            values.update(range(int(low), int(high or low) + 1))
        return frozenset(values)

    text = f"+CNMI: ({mode}),({mt}),({bm}),({ds}),({bfr})"
    return CnmiSupport(expand(mode), expand(mt), expand(bm), expand(ds), expand(bfr), text)


@dataclass(frozen=True)
class Profile:
    """Everything that differs between the simulated modem models."""

    name: str
    manufacturer: str
    model: str
    revision: str
    imei: str
    imsi: str
    iccid: str
    ati_lines: tuple[str, ...]
    cnmi: CnmiSupport
    cnmi_default: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    index_base: int = 1
    # memory name -> slots; "SM" is replaced by the configured --slots
    memories: dict[str, int] = field(default_factory=lambda: {"SM": 20, "ME": 50, "SR": 10})
    cdsi_memory: str = "SR"  # Quectel EC25 says "SM" for reports stored in SR
    clac_supported: bool = True
    unknown_command: str | None = None  # Huawei answers "COMMAND NOT SUPPORT"
    cmgr_empty_ok: bool = False  # SIM800 answers OK for an empty index, others CMS 321
    ccid_command: str = "+CCID"
    operator_act: int | None = None  # access technology field of +COPS?
    boot_lines: tuple[str, ...] = ("RDY",)
    cpin_urc: bool = True  # "+CPIN: READY" / "+CPIN: SIM PIN" after the boot lines
    ready_lines: tuple[str, ...] = ()  # emitted once the SIM is unlocked after a boot
    sms_ready_delay: float = 0.0  # Quectel: SMS commands fail until "+QIND: SMS DONE"
    sms_ready_line: str | None = None
    noise_lines: tuple[str, ...] = ()  # periodic URC noise (Huawei: silenced by AT^CURC=0)
    noise_interval: float = 0.0
    has_curc: bool = False


GENERIC = Profile(
    name="generic",
    manufacturer="ModemBridge",
    model="SIM-1",
    revision="1.0.0",
    imei="490154203237518",
    imsi="001010123456789",
    iccid="8900101012345678901",
    ati_lines=(
        "Manufacturer: ModemBridge",
        "Model: SIM-1",
        "Revision: 1.0.0",
        "IMEI: 490154203237518",
        "+GCAP: +CGSM,+DS,+ES",
    ),
    cnmi=_cnmi("0-3", "0-3", "0-3", "0-2", "0,1"),
    operator_act=0,
)

SIM800 = Profile(
    name="sim800",
    manufacturer="SIMCOM_Ltd",
    model="SIMCOM_SIM800L",
    revision="Revision:1418B05SIM800L24",
    imei="865067021234567",
    imsi="001010987654321",
    iccid="8900101098765432109",
    ati_lines=("SIM800 R14.18",),
    cnmi=_cnmi("0-3", "0-3", "0-3", "0,1", "0,1"),
    cnmi_default=(2, 1, 0, 0, 0),
    memories={"SM": 20, "ME": 50},
    clac_supported=False,
    cmgr_empty_ok=True,
    boot_lines=("RDY", "+CFUN: 1"),
    ready_lines=("Call Ready", "SMS Ready"),
    # brown-out warnings of a marginal supply: off unless SimConfig.noise_interval is set
    noise_lines=("UNDER-VOLTAGE WARNNING",),
)

HUAWEI = Profile(
    name="huawei",
    manufacturer="huawei",
    model="E173",
    revision="11.126.85.00.209",
    imei="358709041234567",
    imsi="001010555555555",
    iccid="8900101055555555555",
    ati_lines=(
        "Manufacturer: huawei",
        "Model: E173",
        "Revision: 11.126.85.00.209",
        "IMEI: 358709041234567",
        "+GCAP: +CGSM,+DS,+ES",
    ),
    cnmi=_cnmi("0-2", "0-3", "0,2", "0-2", "0,1"),
    index_base=0,
    memories={"SM": 20, "ME": 255, "SR": 20},
    unknown_command="COMMAND NOT SUPPORT",
    ccid_command="^ICCID",
    operator_act=2,
    boot_lines=("^BOOT:20952567,0,0,0,75", "^SIMST:1", "^SRVST:2"),
    cpin_urc=False,
    noise_lines=(
        "^RSSI:18",
        "^MODE:3,3",
        "^BOOT:20952567,0,0,0,75",
        "^DSFLOWRPT:0000001E,00000000,00000000,0000000000000000,0000000000000000,0003E800,0003E800",
    ),
    noise_interval=3.0,
    has_curc=True,
)

QUECTEL = Profile(
    name="quectel",
    manufacturer="Quectel",
    model="EC25",
    revision="EC25EFAR06A06M4G",
    imei="866758041234567",
    imsi="001010777777777",
    iccid="8900101077777777777",
    ati_lines=("Quectel", "EC25", "Revision: EC25EFAR06A06M4G"),
    cnmi=_cnmi("0-2", "0-3", "0,2", "0-2", "0,1"),
    cnmi_default=(2, 1, 0, 0, 0),
    memories={"SM": 20, "ME": 255, "SR": 10},
    cdsi_memory="SM",
    ccid_command="+QCCID",
    operator_act=7,
    boot_lines=("RDY",),
    ready_lines=("+QUSIM: 1", "+QIND: PB DONE"),
    sms_ready_delay=0.3,
    sms_ready_line="+QIND: SMS DONE",
)

PROFILES: dict[str, Profile] = {p.name: p for p in (GENERIC, SIM800, HUAWEI, QUECTEL)}


def get_profile(name: str) -> Profile:
    """Return the profile called ``name`` ("" means generic).

    Raises:
        ValueError: for an unknown profile name (the message lists the known ones).
    """
    try:
        return PROFILES[(name or "generic").lower()]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown simulator profile {name!r} (known: {known})") from None

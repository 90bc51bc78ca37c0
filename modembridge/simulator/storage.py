"""SMS storage of the simulated modem: the SIM (SM), modem memory (ME) and reports (SR)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "REC_READ",
    "REC_UNREAD",
    "STAT_NAMES",
    "STO_SENT",
    "STO_UNSENT",
    "Memory",
    "MessageStore",
    "StoredMessage",
    "tpdu_length",
]

REC_UNREAD, REC_READ, STO_UNSENT, STO_SENT, STAT_ALL = 0, 1, 2, 3, 4
STAT_NAMES = {
    REC_UNREAD: "REC UNREAD",
    REC_READ: "REC READ",
    STO_UNSENT: "STO UNSENT",
    STO_SENT: "STO SENT",
    STAT_ALL: "ALL",
}


def tpdu_length(pdu_hex: str) -> int:
    """Octets of a stored PDU excluding the SMSC part (what ``+CMGL``/``+CMGR`` report)."""
    octets = len(pdu_hex) // 2
    smsc_octets = int(pdu_hex[:2], 16) if len(pdu_hex) >= 2 else 0
    return max(octets - 1 - smsc_octets, 0)


@dataclass
class StoredMessage:
    """One occupied slot."""

    stat: int
    pdu: str


class Memory:
    """One message memory with a fixed number of slots; indices start at ``base``."""

    def __init__(self, name: str, total: int, base: int) -> None:
        self.name = name
        self.total = total
        self.base = base
        self.slots: dict[int, StoredMessage] = {}
        self.forced_full = False  # the sim_full fault

    @property
    def used(self) -> int:
        """Occupied slots (all of them while the sim_full fault is on)."""
        return self.total if self.forced_full else len(self.slots)

    def valid_index(self, index: int) -> bool:
        """True when ``index`` names a slot of this memory."""
        return self.base <= index < self.base + self.total

    def store(self, stat: int, pdu: str) -> int | None:
        """Put a PDU in the first free slot; None when the memory is full."""
        if self.forced_full:
            return None
        for index in range(self.base, self.base + self.total):
            if index not in self.slots:
                self.slots[index] = StoredMessage(stat, pdu.upper())
                return index
        return None

    def read(self, index: int) -> StoredMessage | None:
        """Read a slot; reading a received message marks it read (like the real thing)."""
        message = self.slots.get(index)
        if message is None:
            return None
        result = StoredMessage(message.stat, message.pdu)
        if message.stat == REC_UNREAD:
            message.stat = REC_READ
        return result

    def listing(self, stat: int) -> list[tuple[int, StoredMessage]]:
        """Slots with ``stat`` (4 = all), in index order; unread ones become read."""
        found: list[tuple[int, StoredMessage]] = []
        for index in sorted(self.slots):
            message = self.slots[index]
            if stat in (STAT_ALL, message.stat):
                found.append((index, StoredMessage(message.stat, message.pdu)))
                if message.stat == REC_UNREAD:
                    message.stat = REC_READ
        return found

    def delete(self, index: int, flag: int = 0) -> None:
        """``AT+CMGD`` semantics: flag 0 that index, 1 read, 2 read+sent, 3 +unsent, 4 all."""
        if flag == 0:
            self.slots.pop(index, None)
            return
        doomed = {1: {REC_READ}, 2: {REC_READ, STO_SENT}, 3: {REC_READ, STO_SENT, STO_UNSENT}}
        for key in list(self.slots):
            if flag == 4 or self.slots[key].stat in doomed.get(flag, set()):
                del self.slots[key]


class MessageStore:
    """All memories of the device. ``MT`` is an alias of ``SM`` here (documented deviation)."""

    def __init__(self, capacities: dict[str, int], base: int) -> None:
        self.base = base
        self.memories = {name: Memory(name, total, base) for name, total in capacities.items()}

    def get(self, name: str) -> Memory | None:
        """The memory called ``name`` (``MT`` resolves to ``SM``), or None."""
        name = name.upper()
        if name == "MT":
            name = "SM"
        return self.memories.get(name)

    def names(self) -> list[str]:
        """Names ``AT+CPMS=?`` offers for reading (SR included when present)."""
        names: list[str] = [n for n in ("SM", "ME", "SR") if n in self.memories]
        if "SM" in self.memories:
            names.append("MT")
        return names

    def set_forced_full(self, full: bool) -> None:
        """Switch the sim_full fault on the SIM and modem memories."""
        for name in ("SM", "ME"):
            memory = self.memories.get(name)
            if memory is not None:
                memory.forced_full = full

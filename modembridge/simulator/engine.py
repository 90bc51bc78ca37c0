"""SimModem: the simulated GSM modem (AT wire + SIM storage + network + SMSC + faults).

Feed host bytes with :meth:`SimModem.feed`, receive modem bytes through the sink set with
:meth:`SimModem.set_output`. The world side (incoming SMS, delivery reports, faults) is driven
through the other public methods, usually via :mod:`modembridge.simulator.operations`.
"""

from __future__ import annotations

import math
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any

from modembridge.simulator.cmdline import format_block
from modembridge.simulator.core import DeviceListener, ModemCore
from modembridge.simulator.network import Network
from modembridge.simulator.state import SimConfig
from modembridge.simulator.storage import REC_UNREAD, tpdu_length
from modembridge.sms import encode_deliver_pdus, encode_status_report

__all__ = ["SimModem", "UnknownReference"]


class UnknownReference(LookupError):
    """No sent part has that TP-MR, or it did not ask for a status report."""


class SimModem(ModemCore):
    """A faithful 27.005/27.007 modem on an in-memory wire; thread-safe."""

    def __init__(self, config: SimConfig | None = None) -> None:
        super().__init__(config)
        self._listeners: list[DeviceListener] = []
        self._network_queue: deque[str] = deque()  # MO PDUs waiting for a free slot
        self._mo_reference = self.rng.randrange(256)
        self._unplug_generation = 0
        self.reboot(announce=False)
        interval = self.config.noise_interval
        self._noise_interval = self.state.profile.noise_interval if interval is None else interval
        if self.state.profile.noise_lines and self._noise_interval > 0:
            self._schedule(self._noise_interval, self._noise_tick, persistent=True)

    # --- device ------------------------------------------------------------------------------

    def add_device_listener(self, listener: DeviceListener) -> None:
        """Be told when the unplug fault removes the device and when it returns."""
        with self._cond:
            self._listeners.append(listener)

    def remove_device_listener(self, listener: DeviceListener) -> None:
        """Stop telling ``listener`` about unplug/replug."""
        with self._cond:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def reboot(self, *, announce: bool = True) -> None:
        """Restart the firmware: settings and PIN unlock are lost, SIM storage stays.

        Args:
            announce: write the profile's boot URCs (a brown-out reset in front of the host).
        """
        with self._cond:
            self._interrupt()
            st = self.state
            st.reset_settings()
            st.held_indications.clear()
            st.pin_unlocked = not st.pin
            st.network.radio_on = True
            st.sms_ready = True
            if announce:
                self.emit_urc(list(st.profile.boot_lines))
            if st.sim_status == "READY":
                self._sim_ready(announce)
            elif announce and st.profile.cpin_urc:
                self.emit_urc([f"+CPIN: {st.sim_status}"])

    def sim_ready(self) -> None:
        """The host just unlocked the SIM (AT+CPIN): ready URCs follow."""
        self._sim_ready(True)

    def _sim_ready(self, announce: bool) -> None:
        st = self.state
        if announce:
            self.emit_urc(
                (["+CPIN: READY"] if st.profile.cpin_urc else []) + [*st.profile.ready_lines]
            )
        if st.profile.sms_ready_delay > 0 and announce:
            # a silent (re)boot happened before the port appeared: SMS is ready by now
            st.sms_ready = False
            self.schedule(st.profile.sms_ready_delay, lambda: self._sms_done(announce))

    def _sms_done(self, announce: bool) -> None:
        self.state.sms_ready = True
        if announce and self.state.profile.sms_ready_line:
            self.emit_urc([self.state.profile.sms_ready_line])

    def unplug(self, seconds: float) -> None:
        """The unplug fault: the device vanishes and comes back (rebooted) after ``seconds``."""
        with self._cond:
            if not self.plugged:
                return
            self._interrupt()
            self.plugged = False
            self._unplug_generation += 1
            generation = self._unplug_generation
            for listener in list(self._listeners):
                listener.device_removed()
            self._schedule(seconds, lambda: self._replug(generation), persistent=True)

    def _replug(self, generation: int | None = None) -> None:
        if self.plugged or (generation is not None and generation != self._unplug_generation):
            return
        self.reboot(announce=False)  # a USB device boots before its port appears
        self.plugged = True
        for listener in list(self._listeners):
            listener.device_returned()

    def _noise_tick(self) -> None:
        st = self.state
        if st.settings.curc and self.plugged:
            self.emit_urc([self.rng.choice(st.profile.noise_lines)])
        self._schedule(self._noise_interval, self._noise_tick, persistent=True)

    # --- SMS indications ---------------------------------------------------------------------

    def _indicate(self, lines: list[str]) -> None:
        """Route an SMS indication per AT+CNMI <mode> (27.005 3.4.1)."""
        mode = self.state.settings.cnmi[0]
        link_busy = self._busy or self._prompt is not None
        if mode == 3 or (mode in (1, 2) and not link_busy):
            self._write(format_block(lines))
        elif mode == 1:
            return  # mode 1 discards indications while the link is reserved
        else:
            self.state.held_indications.append(lines)

    def _after_command(self) -> None:
        st = self.state
        if st.settings.cnmi[0] != 0 and st.held_indications:
            held, st.held_indications = st.held_indications, []
            for lines in held:
                self._write(format_block(lines))

    def flush_indications(self) -> None:
        """After AT+CNMI: bfr=1 clears held indications, bfr=0 lets them out after the OK."""
        st = self.state
        if st.settings.cnmi[0] != 0 and st.settings.cnmi[4] == 1:
            st.held_indications.clear()

    def registration_changed(self) -> None:
        """Write +CREG/+CGREG URCs when the host asked for them."""
        st = self.state
        for name, n in (("+CREG", st.settings.creg_n), ("+CGREG", st.settings.cgreg_n)):
            if n:
                extra = f',"{st.network.lac}","{st.network.cell}"' if n == 2 else ""
                self.emit_urc(
                    [f"{name}: {st.network.creg_stat}{extra if st.network.registered else ''}"]
                )

    # --- incoming SMS ------------------------------------------------------------------------

    def deliver(
        self, sender: str, text: str, *, parts_out_of_order: bool = False
    ) -> dict[str, Any]:
        """An SMS arrives from the network: store it (multipart when long), then indicate.

        Returns:
            ``{"parts": n, "stored": [indices], "pending_mo": waiting in the network}``.

        Raises:
            modembridge.sms.PduError / TextError: bad sender or empty text.
        """
        with self._cond:
            reference = self._mo_reference
            pdus = encode_deliver_pdus(
                sender,
                text,
                timestamp=datetime.now(UTC).replace(microsecond=0),
                reference=reference,
                smsc=self.state.settings.smsc,
            )
            self._mo_reference = (reference + 1) % 256
            if parts_out_of_order and len(pdus) > 1:
                pdus = pdus[1:] + pdus[:1]  # e.g. 2,3,1: the first part arrives last
            self._network_queue.extend(pdus)
            stored = self._store_waiting()
            return {"parts": len(pdus), "stored": stored, "pending_mo": len(self._network_queue)}

    def storage_changed(self) -> None:
        """A slot was freed: the network retries messages it holds."""
        self._store_waiting()

    def _store_waiting(self) -> list[int]:
        st = self.state
        stored: list[int] = []
        mt = st.settings.cnmi[1]
        while self._network_queue:
            pdu = self._network_queue[0]
            if mt == 2:  # routed straight to the host, not stored
                self._network_queue.popleft()
                self._indicate([f"+CMT: ,{tpdu_length(pdu)}", pdu])
                continue
            name = "SM" if st.settings.cpms[2] == "MT" else st.settings.cpms[2]
            memory = st.store.get(name)
            index = memory.store(REC_UNREAD, pdu) if memory is not None else None
            if index is None:
                break  # memory full: the SMSC keeps the message and retries later
            self._network_queue.popleft()
            stored.append(index)
            if mt in (1, 3):
                self._indicate([f'+CMTI: "{name}",{index}'])
        return stored

    # --- status reports ----------------------------------------------------------------------

    def status_report(self, reference: int, status: int) -> dict[str, Any]:
        """The SMSC reports on the part sent with TP-MR ``reference`` (TP-ST ``status``).

        Returns:
            ``{"reference", "status", "routed": "cds" | "cdsi" | "dropped", "index"?}``.

        Raises:
            UnknownReference: nothing was sent with that reference, or no report was asked for.
        """
        with self._cond:
            st = self.state
            part = st.sent.find_report_target(reference)
            if part is None:
                raise UnknownReference(f"no message was sent with reference {reference}")
            if not part.submit.status_report_requested:
                raise UnknownReference(f"message {reference} did not request a status report")
            pdu = encode_status_report(
                reference,
                part.submit.destination,
                timestamp=part.at.replace(microsecond=0),
                discharge_time=datetime.now(UTC).replace(microsecond=0),
                status=status,
                smsc=st.settings.smsc,
            )
            result: dict[str, Any] = {"reference": reference, "status": status, "routed": "dropped"}
            ds = st.settings.cnmi[3]
            if ds == 1:
                self._indicate([f"+CDS: {tpdu_length(pdu)}", pdu])
                result["routed"] = "cds"
            elif ds == 2:
                memory = st.store.get("SR") or st.store.get("SM")
                index = memory.store(REC_UNREAD, pdu) if memory is not None else None
                if index is not None:
                    self._indicate([f'+CDSI: "{st.profile.cdsi_memory}",{index}'])
                    result.update(routed="cdsi", index=index)
            return result

    # --- faults ------------------------------------------------------------------------------

    def hang(self, seconds: float | None) -> None:
        """Stop answering (input swallowed) for ``seconds`` or until cleared (None)."""
        with self._cond:
            self._interrupt()
            until = math.inf if seconds is None else time.monotonic() + seconds
            self.state.faults.hang_until = until

    def garbage(self, size: int, count: int = 0) -> None:
        """Line noise: ``size`` random bytes now (count 0) or before each of the next responses."""
        with self._cond:
            if count > 0:
                self.state.faults.garbage_bytes, self.state.faults.garbage_count = size, count
            else:
                self._write(self.noise(size) + b"\r\n")

    def cms_error(self, code: int, count: int) -> None:
        """The next ``count`` sends fail with ``+CMS ERROR: <code>``."""
        with self._cond:
            self.state.faults.cms_error_code, self.state.faults.cms_error_count = code, count

    def set_network(self, available: bool) -> None:
        """The no_network fault (False) and its end (True)."""
        with self._cond:
            if self.state.network.no_network == (not available):
                return
            self.state.network.no_network = not available
            self.registration_changed()

    def set_signal(self, rssi: int) -> None:
        """Signal strength as +CSQ reports it (0..31; -113 + 2 * rssi dBm); clear restores 18."""
        with self._cond:
            self.state.network.rssi = rssi
            if self.state.profile.has_curc and self.state.settings.curc:
                self.emit_urc([f"^RSSI:{rssi}"])  # Huawei reports signal changes unasked

    def set_sim_full(self, full: bool) -> None:
        """The sim_full fault: storage reports every slot used; new SMS wait in the network."""
        with self._cond:
            self.state.faults.sim_full = full
            self.state.store.set_forced_full(full)
            if not full:
                self._store_waiting()

    def clear_faults(self) -> None:
        """Remove every fault; an unplugged device returns at once."""
        with self._cond:
            faults = self.state.faults
            faults.hang_until = None
            faults.cms_error_count = faults.garbage_count = 0
            self.state.network.rssi = Network.rssi
            self.set_network(True)
            self.set_sim_full(False)
            if not self.plugged:
                self._replug()

    def active_faults(self) -> list[str]:
        """Names of the faults in effect."""
        with self._cond:
            faults, names = self.state.faults, []
            if faults.hung(time.monotonic()):
                names.append("hang")
            if faults.cms_error_count:
                names.append("cms_error")
            if faults.garbage_count:
                names.append("garbage")
            if self.state.network.no_network:
                names.append("no_network")
            if self.state.network.rssi != Network.rssi:
                names.append("signal")
            if faults.sim_full:
                names.append("sim_full")
            if not self.plugged:
                names.append("unplug")
            return names

    # --- observation -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """``GET /state``: registration, signal, storage of the receive memory, pending MOs."""
        with self._cond:
            st = self.state
            memory = st.store.get(st.settings.cpms[2]) or st.store.memories["SM"]
            return {
                "registered": st.network.registered,
                "signal_dbm": st.network.signal_dbm,
                "storage": {"used": memory.used, "total": memory.total},
                "pending_mo": len(self._network_queue),
                "profile": st.profile.name,
                "plugged": self.plugged,
                "sim": st.sim_status,
                "faults": self.active_faults(),
            }

    def sent_messages(self) -> list[dict[str, Any]]:
        """``GET /sent``: complete logical messages the SMSC accepted, oldest first."""
        with self._cond:
            return [dict(m) for m in self.state.sent.messages]

    def wire_snapshot(self) -> list[str]:
        """The wire log: ``> `` chunks from the host, ``< `` chunks to it (last 1000)."""
        with self._cond:
            return list(self.wire_log)

    def reset_world(self) -> None:
        """Clear faults, every memory, the network queue and the sent log (POST /reset)."""
        with self._cond:
            self.clear_faults()
            for memory in self.state.store.memories.values():
                memory.slots.clear()
            self._network_queue.clear()
            self.state.sent.clear()

    def stored_messages(self, memory: str = "SM") -> list[tuple[int, int, str]]:
        """(index, stat, pdu) of every slot of ``memory`` (for tests and the admin page)."""
        with self._cond:
            found = self.state.store.get(memory)
            if found is None:
                return []
            return [(i, m.stat, m.pdu) for i, m in sorted(found.slots.items())]

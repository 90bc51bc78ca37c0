"""The simulated GSM modem: AT over a pty or in-process (``sim://``), SIM storage, network,
SMSC, delivery reports, vendor quirk profiles, fault injection and an HTTP control API.

Never imports :mod:`modembridge.modem`: the simulator is an independent device.
"""

from modembridge.simulator.engine import SimModem, UnknownReference
from modembridge.simulator.main import SimulatorStack, run_simulator
from modembridge.simulator.operations import FAULT_KINDS, OperationError, SimOperations
from modembridge.simulator.profiles import PROFILES, Profile, get_profile
from modembridge.simulator.state import SimConfig

__all__ = [
    "FAULT_KINDS",
    "PROFILES",
    "OperationError",
    "Profile",
    "SimConfig",
    "SimModem",
    "SimOperations",
    "SimulatorStack",
    "UnknownReference",
    "get_profile",
    "run_simulator",
]

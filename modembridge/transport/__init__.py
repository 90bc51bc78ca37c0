"""Serial transports: every port is a URL (device path, pyserial URL, or ``sim://``).

This package is also registered in ``serial.protocol_handler_packages`` so that pyserial finds
``protocol_sim.py`` for ``sim://`` URLs; keep this module free of heavy imports.
"""

from modembridge.transport.urls import PortError, SerialLike, open_port

__all__ = ["PortError", "SerialLike", "open_port"]

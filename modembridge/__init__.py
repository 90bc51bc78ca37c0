"""modembridge: a self-hosted SMS system on a USB GSM modem."""

__version__ = "0.1.0"

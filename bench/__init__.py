"""Benchmarks of modembridge against the simulated modem (issue 8); see docs/benchmarks.md.

Each figure is a module runnable as ``python -m bench.<module>``; ``python -m bench`` runs them
all (``make bench``), ``python -m bench.peers`` the side-by-side with gammu-smsd and smstools3.
"""

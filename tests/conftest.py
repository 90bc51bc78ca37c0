"""Shared pytest configuration: fixtures for the simulated modem live in fixtures_sim.py.

Under CI=true Hypothesis runs derandomized, so a submission's CI result does not depend on
the luck of the draw; local runs stay random and keep finding new cases.
"""

import os

from hypothesis import settings

pytest_plugins = ["fixtures_sim"]

settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

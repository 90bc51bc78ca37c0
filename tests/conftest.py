"""Shared pytest configuration: fixtures for the simulated modem live in fixtures_sim.py."""

pytest_plugins = ["fixtures_sim"]

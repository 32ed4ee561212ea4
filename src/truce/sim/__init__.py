"""Simulation of exchange-for-pause agreements."""

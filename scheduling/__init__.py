"""Mitreden scheduling engine: service hours, business time, shifts, rules, solver and export."""

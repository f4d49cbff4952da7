"""Forwarding questions to department press offices until the citizen has an answer."""

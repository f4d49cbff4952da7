"""Routing conversations to editors on shift, out-of-hours acknowledgements, handovers and alerts."""

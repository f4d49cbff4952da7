"""Response-time targets in business time: due times, warnings, escalations, pause while waiting."""

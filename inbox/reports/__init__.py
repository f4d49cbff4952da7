"""Reports on the team's work and the Stimmungsbarometer (the mood of what citizens write)."""

"""Demo data for a laptop install: synthetic, anonymous learning reports."""

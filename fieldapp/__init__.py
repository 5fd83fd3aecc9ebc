"""fieldapp."""

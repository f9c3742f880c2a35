"""Developer scripts (set-up, test, demo) and the Home Assistant process driver."""

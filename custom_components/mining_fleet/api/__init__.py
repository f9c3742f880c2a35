"""Home Assistant-free async clients for the hardware mining_fleet talks to."""

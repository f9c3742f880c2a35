"""Loopback simulators of the external systems mining_fleet talks to (not shipped to users)."""

"""Tuning: named profiles per miner, smooth ramps between them, the always-on safety guard, statistics."""

"""What every miner kind shares: the coordinator base with the one write path, the registry, entities."""

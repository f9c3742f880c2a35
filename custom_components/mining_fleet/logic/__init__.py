"""Home Assistant-free policy: safety limits, and later control rules."""

"""Clients for the mining pools' worker-status APIs: the independent witness of a crashed rig."""

"""Tests of the subnet auction against the loopback fake chain."""

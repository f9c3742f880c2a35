"""Tests of the rig watchdog in Home Assistant."""

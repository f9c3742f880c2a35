"""Tests of the fleet kind."""

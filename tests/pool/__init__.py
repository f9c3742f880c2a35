"""Tests of the pool clients."""

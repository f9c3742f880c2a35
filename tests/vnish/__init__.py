"""Tests of the vnish kind."""

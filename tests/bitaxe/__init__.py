"""Tests of the bitaxe kind."""

"""Tests for mining_fleet."""

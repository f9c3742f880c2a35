"""Tests of the smart outlets."""

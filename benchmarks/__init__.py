"""Benchmarks that print numbers; run them by hand (see benchmarks/README.md)."""

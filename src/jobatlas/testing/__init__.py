"""Test helpers that tests, notebooks and benchmarks share (a local stand-in Craigslist site)."""

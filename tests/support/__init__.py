"""Helpers shared by the test suites (a real hall server on loopback, clocks)."""

"""Tests of `scan --verify` against providers played on loopback."""

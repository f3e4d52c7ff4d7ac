"""Tests of rotate, purge and the incident note."""

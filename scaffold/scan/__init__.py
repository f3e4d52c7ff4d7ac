"""Whole-history secret scanning: targets -> blobs -> matches -> findings."""

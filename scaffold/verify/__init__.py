"""`scan --verify`: is a found secret still live? Verifiers are data on the rules (spec.py)."""

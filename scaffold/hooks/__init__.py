"""Commit-time guards: the logic behind scaffold's published pre-commit hooks."""

"""Test tokens for the hook tests, built at run time (never committed as literals)."""

from __future__ import annotations

from scaffold.scan.examples import expand


def github_token(seed: int = 0) -> str:
    """A GitHub classic PAT with a valid checksum: the Detector reports it as checksum-valid."""
    return expand("{{github:ghp}}", seed)


def fake_aws_key_id() -> str:
    return "AKIA" + expand("{{base32:16}}", 7)

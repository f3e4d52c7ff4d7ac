"""Credentials for tests, generated at run time (never committed as literals).

Built on scaffold.scan.examples, the same generators the rule files' examples use.
"""

from __future__ import annotations

from scaffold.scan.examples import expand


def aws_key_pair(seed: int = 0) -> tuple[str, str]:
    """An access key id and a 40-character secret access key."""
    return expand("AKIA{{base32:16}}", seed), expand("{{b64:40}}", seed)


def github_pat(seed: int = 0) -> str:
    """A classic GitHub token whose CRC32 tail is right (reported as checksum-valid)."""
    return expand("{{github:ghp}}", seed)


def github_pat_bad_checksum(seed: int = 0) -> str:
    """Same shape as github_pat(), wrong checksum: not a token, never reported."""
    return expand("{{github_bad:ghp}}", seed)


def slack_bot_token(seed: int = 0) -> str:
    return expand("xoxb-{{digits:12}}-{{digits:13}}-{{alnum:24}}", seed)


def stripe_live_key(seed: int = 0) -> str:
    return expand("sk_live_{{alnum:24}}", seed)


def private_key_pem(seed: int = 0) -> str:
    return expand("{{pem:RSA PRIVATE KEY}}", seed)


def postgres_url_with_password(seed: int = 0) -> tuple[str, str]:
    """A connection URL and the password inside it."""
    password = expand("{{alnum:20}}", seed)
    return f"postgresql://app:{password}@db.internal:5432/app", password


def generic_password_assignment(seed: int = 0) -> tuple[str, str]:
    """A Python line assigning a password literal, and the password."""
    password = expand("{{alnum:20}}", seed)
    return f'DB_PASSWORD = "{password}"', password

"""detect-secrets' value heuristics, kept to its behaviour (tests/scan/test_heuristics.py).

The generic rules' filters ask five of detect-secrets' questions (`detect_secrets.filters.
heuristic`) of each candidate. Importing that module runs detect-secrets' package import, which
pulls in `requests`: about 0.2 s in every process that judges a candidate (each scan worker, the
main process, the commit hook). The checks themselves are a few lines each, so they are here,
and a test compares them with detect-secrets' own on generated and hand-picked values.
"""

from __future__ import annotations

import re
import string

_SEQUENCES = (
    string.ascii_uppercase + string.ascii_uppercase + string.digits + "+/",
    string.digits + string.ascii_uppercase + string.ascii_uppercase + "+/",
    (string.digits + string.ascii_uppercase) * 2,
    string.digits * 2,
    string.hexdigits.upper() + string.hexdigits.upper(),
    string.ascii_uppercase + "=/",
)
_UUID = re.compile(
    r"[a-f0-9]{8}\-[a-f0-9]{4}\-[a-f0-9]{4}\-[a-f0-9]{4}\-[a-f0-9]{12}", re.IGNORECASE
)
_ID_NAME = re.compile(r"(^(id|myid|userid)|_id)s?[^a-z0-9]", re.IGNORECASE)
_INDIRECT = re.compile(r"([^\v=!:]*)\s*(:=?|[!=]{1,3})\s*([\w.-]+[\[\(][^\v]*[\]\)])")


def is_sequential_string(secret: str) -> bool:
    """`ABCDEF`, `123456`, `0123456789ABCDEF`: a run of an alphabet in order."""
    uppercase = secret.upper()
    return any(uppercase in sequence for sequence in _SEQUENCES)


def is_templated_secret(secret: str) -> bool:
    """`{secret}`, `<secret>`, `${secret}`; and any one-character value."""
    try:
        return (
            (secret[0] == "{" and secret[-1] == "}")
            or (secret[0] == "<" and secret[-1] == ">")
            or (secret[0] == "$" and secret[1] == "{" and secret[-1] == "}")
        )
    except IndexError:
        return True


def is_potential_uuid(secret: str) -> bool:
    return _UUID.search(secret) is not None


def is_likely_id_string(secret: str, line: str) -> bool:
    """The value is assigned to something named like an id (`user_id = ...`)."""
    try:
        index = line.index(secret)
    except ValueError:
        return False
    return _ID_NAME.search(line, 0, index) is not None


def is_indirect_reference(line: str) -> bool:
    """`secret = get_secret_key()`, `secret = request.headers['apikey']`."""
    if len(line) > 1000:  # the pattern is meant for short lines, and could backtrack long
        return False
    return _INDIRECT.search(line) is not None

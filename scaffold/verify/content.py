"""What a check needs from around a secret: the other half of a pair, a database URL."""

from __future__ import annotations

import re
import urllib.parse
from functools import cache

from scaffold.scan.model import Finding
from scaffold.verify.databases import DEFAULT_PORTS, Target

# scheme://user:password@host[:port][/database], found on the secret's own line
_URL = re.compile(
    rb"([a-z][a-z0-9+.-]*)://([^\s:@/\"'`]*):([^\s@\"'`]+)@([A-Za-z0-9_.-]+)(?::(\d{1,5}))?"
    rb"(?:/([A-Za-z0-9_.-]*))?"
)
_SCHEMES = {
    "postgres": ("postgres", "postgresql"),
    "redis": ("redis", "rediss"),
}


@cache
def _compiled(pattern: str) -> re.Pattern[bytes]:
    return re.compile(pattern.encode())


def companion_near(pattern: str, finding: Finding, content: bytes | None) -> str:
    """The companion closest to the secret in the same content ("" when there is none)."""
    if content is None:
        return ""
    secret = finding.match.secret
    best: tuple[int, str] | None = None
    for found in _compiled(pattern).finditer(content):
        value = found.group(1).decode("utf-8", "replace")
        if not value or value == secret:
            continue
        distance = abs(found.start(1) - finding.match.start)
        if best is None or distance < best[0]:
            best = (distance, value)
    return best[1] if best else ""


def network_target(kind: str, finding: Finding, content: bytes | None) -> Target | None:
    """The database the password logs in to, read from the URL that holds it."""
    if content is None:
        return None
    start = finding.match.start
    line_start = content.rfind(b"\n", 0, start) + 1
    line_end = content.find(b"\n", start)
    line = content[line_start : line_end if line_end >= 0 else len(content)]
    for found in _URL.finditer(line):
        if found.start(3) + line_start != start:
            continue
        scheme = found.group(1).decode().lower()
        if scheme not in _SCHEMES.get(kind, ()):
            return None
        host = found.group(4).decode()
        port = int(found.group(5)) if found.group(5) else DEFAULT_PORTS[kind]
        return Target(
            kind=kind,
            host=host,
            port=port,
            user=urllib.parse.unquote(found.group(2).decode("utf-8", "replace")),
            password=finding.match.secret,
            database=(found.group(6) or b"").decode("utf-8", "replace"),
            tls=scheme == "rediss",
        )
    return None

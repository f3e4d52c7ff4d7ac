"""Where each provider's verification call goes, how fast and how long we wait: one table.

Tests point an endpoint at a loopback server; an enterprise points endpoints at its own
gateways with SCAFFOLD_VERIFY_ENDPOINTS, and sends every call through a forward proxy with
SCAFFOLD_VERIFY_PROXY (docs/after-a-leak.md).
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, replace

from scaffold.errors import UsageError

ENDPOINTS_ENV = "SCAFFOLD_VERIFY_ENDPOINTS"  # "github=https://ghe.example.com/api/v3,npm=..."
PROXY_ENV = "SCAFFOLD_VERIFY_PROXY"  # "http://proxy.example.com:3128"


@dataclass(frozen=True)
class Endpoint:
    name: str
    base_url: str  # scheme://host[:port][/prefix]; a rule's path is appended
    timeout: float = 10.0  # seconds for one request, capped by --verify-timeout's budget
    min_interval: float = 0.25  # seconds between two requests to this provider


ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in (
        Endpoint("aws-sts", "https://sts.amazonaws.com"),
        Endpoint("github", "https://api.github.com", min_interval=0.1),
        Endpoint("gitlab", "https://gitlab.com"),
        Endpoint("slack", "https://slack.com", min_interval=1.0),  # tier 4: 100 calls/min
        Endpoint("stripe", "https://api.stripe.com"),
        Endpoint("openai", "https://api.openai.com"),
        Endpoint("anthropic", "https://api.anthropic.com"),
        Endpoint("npm", "https://registry.npmjs.org"),
        Endpoint("pypi", "https://upload.pypi.org"),
        Endpoint("sendgrid", "https://api.sendgrid.com"),
        Endpoint("twilio", "https://api.twilio.com"),
        Endpoint("datadog", "https://api.datadoghq.com"),
    )
}


def endpoints(environ: Mapping[str, str] | None = None) -> dict[str, Endpoint]:
    """The table with SCAFFOLD_VERIFY_ENDPOINTS' overrides applied."""
    env = os.environ if environ is None else environ
    table = dict(ENDPOINTS)
    text = env.get(ENDPOINTS_ENV, "").strip()
    for item in text.replace(",", " ").split():
        name, sep, url = item.partition("=")
        if not sep or name not in table:
            known = ", ".join(sorted(table))
            raise UsageError(f"{ENDPOINTS_ENV}: {item!r} is not NAME=URL with NAME one of {known}")
        check_url(url, ENDPOINTS_ENV, credentials=False)
        table[name] = replace(table[name], base_url=url.rstrip("/"))
    return table


def proxy(environ: Mapping[str, str] | None = None) -> str:
    """The forward proxy every verification call goes through ("" for none)."""
    env = os.environ if environ is None else environ
    url = env.get(PROXY_ENV, "").strip()
    if url:
        check_url(url, PROXY_ENV, credentials=True)  # a proxy may need its own login
    return url


def check_url(url: str, where: str, *, credentials: bool) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{where}: an entry is not an http(s) URL")
    if parts.query or parts.fragment or (not credentials and (parts.username or parts.password)):
        raise UsageError(f"{where}: a URL must not carry a query, a fragment or a login")

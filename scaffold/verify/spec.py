"""A rule's `[rules.verify]` table: how to ask the provider whether a secret is live, as data.

The table names an endpoint (scaffold/verify/endpoints.py), a read-only request with
`{secret}` and `{companion}` placeholders, and the answers that mean live or revoked. Code
enters only where data cannot say it: request signing (`signing = "aws-sigv4"`) and the
database protocols (`kind = "postgres"`), both looked up in explicit tables.

Rules keep the table as canonical JSON (hashable, and stable in the pickled rule cache);
`parse_verify` checks it when rules load and builds the VerifySpec when a scan verifies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KINDS = ("http", "postgres", "redis")  # http is data; the others are protocol hooks
METHODS = ("GET", "HEAD", "POST")  # POST only for calls that read (STS, Slack auth.test)
SIGNERS = ("aws-sigv4",)
PLACEHOLDERS = re.compile(r"\{([a-z_]+)\}")
KNOWN_PLACEHOLDERS = frozenset({"secret", "companion"})
_KEYS = frozenset(
    {
        "kind",
        "endpoint",
        "method",
        "path",
        "headers",
        "basic_auth",
        "body",
        "content_type",
        "live",
        "revoked",
        "detail",
        "companion",
        "companion_name",
        "signing",
        "signing_region",
        "signing_service",
        "network",
    }
)
_ANSWER_KEYS = frozenset({"status", "body", "reason"})


@dataclass(frozen=True)
class Answer:
    """One kind of provider answer: these statuses (and, if set, a body matching `body`)."""

    statuses: tuple[int, ...]
    body: str = ""  # regex searched in the response body
    reason: str = ""  # what it means, e.g. "valid, but lacks the scope to read the account"

    def matches(self, status: int, body: str) -> bool:
        if status not in self.statuses:
            return False
        return not self.body or re.search(self.body, body) is not None


@dataclass(frozen=True)
class VerifySpec:
    kind: str = "http"
    endpoint: str = ""  # key of ENDPOINTS
    method: str = "GET"
    path: str = "/"
    headers: tuple[tuple[str, str], ...] = ()
    basic_auth: tuple[str, str] | None = None  # (user, password) templates
    body: str = ""
    content_type: str = ""
    live: tuple[Answer, ...] = ()
    revoked: tuple[Answer, ...] = ()
    detail: str = ""  # regex whose group 1 (an account, a login) goes into a live reason
    companion: str = ""  # regex, group 1: the other half of a pair, from the same content
    companion_name: str = ""  # what the companion is, for reasons ("access key id")
    signing: str = ""  # a SIGNERS entry
    signing_region: str = ""
    signing_service: str = ""
    network: bool = False  # contacts a host named in the scanned content: --verify-network

    @property
    def needs_network_flag(self) -> bool:
        return self.network or self.kind != "http"


class SpecError(ValueError):
    """The verify table is malformed; the message says which key and why."""


def canonical(table: Mapping[str, Any]) -> str:
    """The JSON form a Rule keeps (validated first)."""
    parse_verify(table)
    return json.dumps(table, sort_keys=True, separators=(",", ":"))


def parse_verify(table: Mapping[str, Any] | str) -> VerifySpec:
    """A VerifySpec from the TOML table (or its canonical JSON); SpecError names the problem."""
    raw: Any = json.loads(table) if isinstance(table, str) else table
    if not isinstance(raw, Mapping):
        raise SpecError("verify must be a table")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise SpecError(f"verify: unknown key(s) {', '.join(unknown)}")
    kind = _text(raw, "kind", "http")
    if kind not in KINDS:
        raise SpecError(f"verify.kind must be one of {', '.join(KINDS)}")
    if kind != "http":
        return VerifySpec(kind=kind, network=True)
    endpoint = _text(raw, "endpoint", "")
    from scaffold.verify.endpoints import ENDPOINTS

    if endpoint not in ENDPOINTS:
        raise SpecError(f"verify.endpoint must be one of {', '.join(sorted(ENDPOINTS))}")
    method = _text(raw, "method", "GET").upper()
    if method not in METHODS:
        raise SpecError(f"verify.method must be one of {', '.join(METHODS)} (read-only calls)")
    path = _text(raw, "path", "/")
    if not path.startswith("/"):
        raise SpecError("verify.path must start with /")
    headers = raw.get("headers", {})
    if not isinstance(headers, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise SpecError("verify.headers must be a table of strings")
    basic = raw.get("basic_auth")
    if basic is not None and (
        not isinstance(basic, list) or len(basic) != 2 or not all(isinstance(p, str) for p in basic)
    ):
        raise SpecError('verify.basic_auth must be ["user", "password"] templates')
    live = _answers(raw, "live")
    revoked = _answers(raw, "revoked")
    if not live or not revoked:
        raise SpecError("verify needs `live` and `revoked` answers")
    signing = _text(raw, "signing", "")
    if signing and signing not in SIGNERS:
        raise SpecError(f"verify.signing must be one of {', '.join(SIGNERS)}")
    companion = _text(raw, "companion", "")
    for key in ("companion", "detail"):
        _regex(_text(raw, key, ""), key)
    if companion and re.compile(companion).groups < 1:
        raise SpecError("verify.companion needs a group holding the companion value")
    spec = VerifySpec(
        kind=kind,
        endpoint=endpoint,
        method=method,
        path=path,
        headers=tuple(sorted(headers.items())),
        basic_auth=(basic[0], basic[1]) if basic is not None else None,
        body=_text(raw, "body", ""),
        content_type=_text(raw, "content_type", ""),
        live=live,
        revoked=revoked,
        detail=_text(raw, "detail", ""),
        companion=companion,
        companion_name=_text(raw, "companion_name", "companion"),
        signing=signing,
        signing_region=_text(raw, "signing_region", ""),
        signing_service=_text(raw, "signing_service", ""),
        network=bool(raw.get("network", False)),
    )
    used = set(PLACEHOLDERS.findall(" ".join(_templates(spec))))
    if used - KNOWN_PLACEHOLDERS:
        raise SpecError(f"verify: unknown placeholder(s) {', '.join(sorted(used))}")
    if "companion" in used and not companion:
        raise SpecError("verify uses {companion} but names no `companion` pattern")
    if "secret" not in used and not signing:
        raise SpecError("verify never sends {secret}: nothing would be checked")
    return spec


def _templates(spec: VerifySpec) -> list[str]:
    texts = [spec.path, spec.body, *(v for _, v in spec.headers)]
    if spec.basic_auth is not None:
        texts += list(spec.basic_auth)
    return texts


def _text(raw: Mapping[str, Any], key: str, default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise SpecError(f"verify.{key} must be a string")
    return value


def _regex(pattern: str, key: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise SpecError(f"verify.{key} does not compile: {exc}") from None


def _answers(raw: Mapping[str, Any], key: str) -> tuple[Answer, ...]:
    value = raw.get(key, [])
    items = [value] if isinstance(value, Mapping) else value
    if not isinstance(items, list):
        raise SpecError(f"verify.{key} must be a table or a list of tables")
    answers = []
    for item in items:
        if not isinstance(item, Mapping) or set(item) - _ANSWER_KEYS:
            raise SpecError(f"verify.{key}: each answer has `status`, optional `body`, `reason`")
        status = item.get("status")
        statuses = [status] if isinstance(status, int) else status
        if not isinstance(statuses, list) or not statuses:
            raise SpecError(f"verify.{key}.status must be an HTTP status or a list of them")
        if not all(isinstance(s, int) and 100 <= s <= 599 for s in statuses):
            raise SpecError(f"verify.{key}.status must hold HTTP statuses (100-599)")
        if 429 in statuses:
            raise SpecError("429 means rate limited, never live or revoked")
        body = item.get("body", "")
        reason = item.get("reason", "")
        if not isinstance(body, str) or not isinstance(reason, str):
            raise SpecError(f"verify.{key}: body and reason must be strings")
        _regex(body, f"{key}.body")
        answers.append(Answer(tuple(statuses), body, reason))
    return tuple(answers)

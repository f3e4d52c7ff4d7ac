"""What every report format shares: finding order, locations, tool identity and secret scrubbing."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence

from scaffold.scan.model import (
    SEVERITY_ORDER,
    Finding,
    Liveness,
    ScanResult,
    SourceKind,
    redact,
)

TOOL_NAME = "scaffold"
# One place for the project's address; SARIF requires an informationUri for the tool.
INFORMATION_URI = "https://github.com/scaffold-dev/scaffold"


def tool_version() -> str:
    """The running scaffold's version (looked up at call time so tests can pin it)."""
    from scaffold import __version__

    return __version__


def finding_path(finding: Finding) -> str:
    """The file a finding lives in ("" for commit messages and path-less content)."""
    if finding.source is SourceKind.COMMIT_MESSAGE:
        return ""
    first = finding.first
    return first.path if first is not None else ""


def liveness_rank(finding: Finding) -> int:
    """Live secrets first, then unknown, then unverified, revoked last (`scan --verify`)."""
    verification = finding.verification
    if verification is None:
        return 2
    return {Liveness.LIVE: 0, Liveness.UNKNOWN: 1, Liveness.REVOKED: 3}[verification.status]


def finding_sort_key(finding: Finding) -> tuple[int, int, str, str, int, int, str, str]:
    """Live first, then most severe, then by rule and place; the fingerprint breaks every tie."""
    return (
        liveness_rank(finding),
        SEVERITY_ORDER[finding.rule.severity],
        finding.rule.id,
        finding_path(finding),
        finding.match.line,
        finding.match.column,
        finding.fingerprint,
        finding.object_id,
    )


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=finding_sort_key)


def sorted_results(results: Sequence[ScanResult]) -> list[ScanResult]:
    """Repositories in a stable order, whatever order the engine finished them in."""
    return sorted(results, key=lambda result: result.repository)


def preview(finding: Finding, *, show_secrets: bool) -> str:
    secret = finding.match.secret
    return secret if show_secrets else redact(secret)


def scrub(text: str, secret: str, *, show_secrets: bool = False) -> str:
    """Free text next to a finding (a commit summary, a path) with the secret redacted out."""
    if show_secrets or not secret or secret not in text:
        return text
    return text.replace(secret, redact(secret))


def files_with_findings(findings: Iterable[Finding]) -> set[str]:
    return {path for finding in findings if (path := finding_path(finding))}


def plural(count: int, noun: str) -> str:
    """`1 secret`, `1,234 secrets`, `3 repositories`: for what a person reads."""
    if count == 1:
        return f"1 {noun}"
    nouns = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{count:,} {nouns}"


def generated_at() -> str:
    """Current UTC time, or SOURCE_DATE_EPOCH's when set, for formats that demand a timestamp."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    seconds = int(epoch) if epoch.isdigit() else int(time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))

"""The records that flow through a scan, from a rule's match to a reported finding."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

# Defaults every way of scanning shares (whole history, ranges, staged files, organisations).
DEFAULT_BASELINE = ".secrets.baseline"  # detect-secrets' file, at the repository root
# Larger content is skipped, listed, and makes the scan incomplete; below it, large content is
# matched in bounded windows (scan/matching.py), so memory does not grow with it.
DEFAULT_MAX_BLOB_SIZE = 512 * 1024 * 1024


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


# Most severe first: how every report orders what it lists.
SEVERITY_ORDER: dict[Severity, int] = {
    Severity.CRITICAL: 0,
    Severity.HIGH: 1,
    Severity.MEDIUM: 2,
    Severity.LOW: 3,
}


class Confidence(StrEnum):
    """How sure a finding is a credential, before anyone asks the provider."""

    HIGH = "high"  # a provider-specific format, or a checksum that validates
    MEDIUM = "medium"
    LOW = "low"  # generic assignments and entropy


class Context(StrEnum):
    """What kind of file a finding sits in (from its path and content)."""

    SOURCE = "source"
    TEST = "test"  # test fixtures and test code
    DOCS = "docs"  # documentation and examples
    VENDORED = "vendored"  # third-party code checked in
    GENERATED = "generated"  # generated and lock files


class Liveness(StrEnum):
    """What the provider said of a credential (`scan --verify`)."""

    LIVE = "live"
    REVOKED = "revoked/invalid"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Verification:
    """One verification of a secret against its provider; never holds the secret."""

    status: Liveness
    reason: str  # e.g. "HTTP 200 from api.github.com/user", "timed out after 5 s"
    checked_at: str  # ISO 8601, when the provider answered (or did not)


class Validation(StrEnum):
    """What we could tell about a candidate without calling any provider."""

    CHECKSUM_VALID = "checksum-valid"  # the token's own checksum matches: almost surely real
    UNVERIFIED = "unverified"  # the format fits; nothing more can be checked offline


@dataclass(frozen=True)
class RuleInfo:
    """What a report needs to know about a rule (SARIF rule metadata, terminal help)."""

    id: str
    description: str
    provider: str
    severity: Severity
    remediation: str  # what to do when this fires: revoke where, rotate how
    references: tuple[str, ...] = ()
    confidence: Confidence = Confidence.MEDIUM  # how telling the rule's format is (Rule.confidence)


@dataclass(frozen=True)
class Match:
    """One credential found in one piece of content (a blob, a commit message, a staged file)."""

    rule_id: str
    secret: str  # the credential itself; never printed or stored unless --show-secrets
    start: int  # byte offset of the secret in the content
    end: int
    line: int  # 1-based line of the secret's first byte
    column: int  # 1-based byte column on that line
    validation: Validation = Validation.UNVERIFIED
    allowed: bool = False  # an inline pragma on (or above) its line accepts it

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule_id, self.secret)


class SourceKind(StrEnum):
    BLOB = "blob"  # file content somewhere in history
    COMMIT_MESSAGE = "commit-message"
    STAGED = "staged"  # index content, for the pre-commit hook
    FILE = "file"  # a working-tree file outside git


@dataclass(frozen=True)
class Provenance:
    """One place a matched blob appeared: the commit that introduced it at this path."""

    commit: str
    path: str
    author_name: str
    author_email: str
    date: str  # ISO 8601 author date
    summary: str = ""  # first line of the commit message


@dataclass(frozen=True)
class Finding:
    """A match joined with where it lives; identity is the fingerprint, never a line number."""

    match: Match
    rule: RuleInfo
    source: SourceKind
    object_id: str  # blob id, or commit id for commit messages; "" for files outside git
    repository: str  # display name or path of the repository
    provenance: tuple[Provenance, ...] = ()  # first element: earliest introduction
    refs: tuple[str, ...] = ()  # refs the introducing commits are reachable from
    in_head: bool = False  # still present at the tip of the default branch
    confidence: Confidence = Confidence.MEDIUM
    context: Context = Context.SOURCE
    verification: Verification | None = None  # set by `scan --verify` only

    @property
    def fingerprint(self) -> str:
        return self.match.fingerprint

    @property
    def first(self) -> Provenance | None:
        return self.provenance[0] if self.provenance else None


@dataclass(frozen=True)
class Skipped:
    """Content we did not scan, and why (too large, missing object, submodule...)."""

    object_id: str
    reason: str
    path: str = ""
    size: int = 0
    member: str = ""  # inside an archive: the member (or nested archive) not read

    @property
    def place(self) -> str:
        """Where it is, for a person: `path`, or `path!member` inside an archive."""
        where = self.path or self.object_id
        return f"{where}!{self.member}" if self.member else where


@dataclass(frozen=True)
class ScanStats:
    blobs_scanned: int = 0
    bytes_scanned: int = 0
    commits_seen: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class ScanResult:
    """Everything a report renders for one repository."""

    repository: str
    findings: tuple[Finding, ...]
    rules: tuple[RuleInfo, ...]  # every rule that was active, for SARIF tool metadata
    stats: ScanStats = ScanStats()
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()  # e.g. "shallow clone: history before <commit> not scanned"
    suppressed: int = 0  # findings hidden by pragma or baseline
    extra: dict[str, str] = field(default_factory=dict)
    # Why part of what was asked for was not read, one line each; empty when complete. Skipped
    # content always makes a scan incomplete.
    gaps: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.gaps and not self.skipped


@dataclass(frozen=True)
class ScanOptions:
    """How to scan, whatever the source: the one options record of every way of scanning."""

    max_blob_size: int = DEFAULT_MAX_BLOB_SIZE
    engine: str = "auto"
    jobs: int = 0  # worker processes; 0 = all cores, 1 = this process only
    baseline: Path | None = None  # detect-secrets baseline of known secrets to leave out
    extra_rules: tuple[Path, ...] = ()
    include_unreachable: bool = False  # history: also objects no ref reaches


def fingerprint(rule_id: str, secret: str) -> str:
    """Stable identity of a finding: the same secret under the same rule, anywhere in history."""
    return hashlib.sha256(f"{rule_id}\x00{secret}".encode()).hexdigest()


def redact(secret: str) -> str:
    """A preview safe to print: a short prefix (type prefixes help triage), then the length."""
    keep = 4 if len(secret) >= 16 else 2 if len(secret) >= 8 else 0
    return f"{secret[:keep]}…[{len(secret)} chars]"

"""One row per secret: findings grouped by fingerprint, and which of them a person should see.

A scan reports every place a secret is (a finding each: a blob version, a path, a commit
message). People act on secrets, not places: the same example key in 200 versions of a docs
page is one thing to look at. So reports show `Secret`s: the fingerprint (rule + secret), every
location oldest first, where it was introduced, the newest place, whether it is still at the
tip of the default branch, and its confidence and context.

What is shown by default is a `View`: provider-format and checksum-valid credentials (high
confidence) always, wherever they sit (real keys get pasted into docs, notes and fixtures);
medium ones outside tests, docs, vendored and generated files; low ones never unless asked.
The rest is held back, counted, and one flag away.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scaffold.scan.context import context_of, context_of_places
from scaffold.scan.model import (
    SEVERITY_ORDER,
    Confidence,
    Context,
    Finding,
    Liveness,
    Match,
    RuleInfo,
    ScanResult,
    SourceKind,
    Verification,
)

CONFIDENCE_ORDER = {Confidence.HIGH: 0, Confidence.MEDIUM: 1, Confidence.LOW: 2}


@dataclass(frozen=True)
class Location:
    """One place a secret is: a path in a commit (or a commit message), line and column."""

    source: SourceKind
    object_id: str
    path: str  # "" for a commit message
    line: int
    column: int
    commit: str
    author_name: str
    author_email: str
    date: str
    summary: str
    context: Context


@dataclass(frozen=True)
class Secret:
    """Every finding of one fingerprint in one repository."""

    fingerprint: str
    rule: RuleInfo
    match: Match  # of the earliest place: the secret itself, never printed unless asked
    repository: str
    locations: tuple[Location, ...]  # oldest introduction first
    refs: tuple[str, ...]  # every ref any of its places is reachable from
    in_head: bool  # still in the tip of the default branch
    confidence: Confidence
    context: Context  # the most telling context among its places
    verification: Verification | None
    findings: tuple[Finding, ...]  # what it was grouped from

    @property
    def first(self) -> Location:
        return self.locations[0]

    @property
    def newest(self) -> Location:
        return self.locations[-1]

    @property
    def live(self) -> bool:
        return self.verification is not None and self.verification.status is Liveness.LIVE


def _locations(finding: Finding) -> list[Location]:
    match = finding.match
    places = finding.provenance or ()
    if not places:
        return [
            Location(finding.source, finding.object_id, "", match.line, match.column,
                     "", "", "", "", "", Context.SOURCE)
        ]  # fmt: skip
    return [
        Location(
            finding.source,
            finding.object_id,
            "" if finding.source is SourceKind.COMMIT_MESSAGE else p.path,
            match.line,
            match.column,
            p.commit,
            p.author_name,
            p.author_email,
            p.date,
            p.summary,
            context_of("" if finding.source is SourceKind.COMMIT_MESSAGE else p.path),
        )
        for p in places
    ]


def group(result: ScanResult) -> list[Secret]:
    """The findings of one result as one Secret per fingerprint, most severe first."""
    by_fingerprint: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_fingerprint.setdefault(finding.fingerprint, []).append(finding)
    secrets = [_secret(result.repository, found) for found in by_fingerprint.values()]
    return sorted(secrets, key=secret_sort_key)


def _secret(repository: str, findings: list[Finding]) -> Secret:
    places: dict[tuple[str, str, str, int], Location] = {}
    for finding in findings:
        for location in _locations(finding):
            key = (location.commit, location.object_id, location.path, location.line)
            places.setdefault(key, location)
    # oldest first; places without a date (staged, files on disk) keep their order at the end
    ordered = sorted(places.values(), key=lambda loc: (loc.date == "", loc.date, loc.path))
    first = findings[0]
    earliest = min(findings, key=lambda f: (f.first is None, f.first.date if f.first else ""))
    verified = [f.verification for f in findings if f.verification is not None]
    return Secret(
        fingerprint=first.fingerprint,
        rule=first.rule,
        match=earliest.match,
        repository=repository,
        locations=tuple(ordered),
        refs=tuple(sorted({ref for f in findings for ref in f.refs})),
        in_head=any(f.in_head for f in findings),
        confidence=min((f.confidence for f in findings), key=CONFIDENCE_ORDER.__getitem__),
        context=context_of_places(loc.path for loc in ordered),
        verification=verified[0] if verified else None,
        findings=tuple(findings),
    )


def secret_sort_key(secret: Secret) -> tuple[int, int, int, str, str]:
    """Live secrets first, then most severe, most confident, by rule; fingerprint breaks ties."""
    return (
        0 if secret.live else 1,
        SEVERITY_ORDER[secret.rule.severity],
        CONFIDENCE_ORDER[secret.confidence],
        secret.rule.id,
        secret.fingerprint,
    )


# contexts whose medium-confidence findings are held back by default, by the names
# `--include-context` takes
CONTEXT_NAMES = {
    "tests": Context.TEST,
    "docs": Context.DOCS,
    "vendored": Context.VENDORED,
    "generated": Context.GENERATED,
}
QUIET_CONTEXTS = frozenset(CONTEXT_NAMES.values())
_NAME_OF = {context: name for name, context in CONTEXT_NAMES.items()}


def parse_contexts(text: str) -> frozenset[Context]:
    """`tests,docs` into contexts to include; ValueError names what is unknown."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in CONTEXT_NAMES and n != "all"]
    if unknown:
        raise ValueError(
            f"unknown context {unknown[0]!r} (choose from {', '.join(CONTEXT_NAMES)}, all)"
        )
    if "all" in names:
        return QUIET_CONTEXTS
    return frozenset(CONTEXT_NAMES[n] for n in names)


@dataclass(frozen=True)
class View:
    """Which secrets a report shows (see the module doc); the default is what to act on."""

    confidence: Confidence = Confidence.MEDIUM  # the lowest shown
    contexts: frozenset[Context] = frozenset({Context.SOURCE})  # where medium ones show

    def shows(self, secret: Secret) -> bool:
        if secret.live or secret.confidence is Confidence.HIGH:
            return True  # a provider-format credential is never hidden, wherever it sits
        if CONFIDENCE_ORDER[secret.confidence] > CONFIDENCE_ORDER[self.confidence]:
            return False
        return secret.context in self.contexts or secret.context not in QUIET_CONTEXTS

    def split(self, secrets: Iterable[Secret]) -> tuple[list[Secret], list[Secret]]:
        """(shown, held back)."""
        shown: list[Secret] = []
        held: list[Secret] = []
        for secret in secrets:
            (shown if self.shows(secret) else held).append(secret)
        return shown, held


ALL = View(Confidence.LOW, frozenset(Context))  # everything: baselines, datastores, merges


def held_back_line(held: Sequence[Secret]) -> str:
    """The summary line for what the default view left out, and how to see it."""
    if not held:
        return ""
    low = sum(1 for s in held if s.confidence is Confidence.LOW)
    quiet = sorted({_NAME_OF[s.context] for s in held if s.context in QUIET_CONTEXTS})
    parts = []
    if low:
        parts.append(f"{low} low-confidence")
    rest = len(held) - low
    if rest:
        medium = [s for s in held if s.confidence is not Confidence.LOW]
        where = sorted({_NAME_OF.get(s.context, s.context.value) for s in medium})
        parts.append(f"{rest} in {'/'.join(where)} files")
    flags = ["--confidence low"] if low else []
    if quiet:
        flags.append(f"--include-context {','.join(quiet)}")
    noun = "secret" if len(held) == 1 else "secrets"
    return f"{len(held)} more {noun} held back ({', '.join(parts)}): show with {' '.join(flags)}"

"""A fixed set of scan results for report tests; tokens are generated at run time, never literal."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from scaffold.scan.model import (
    Confidence,
    Context,
    Finding,
    Match,
    Provenance,
    RuleInfo,
    ScanResult,
    ScanStats,
    Severity,
    Skipped,
    SourceKind,
    Validation,
)

ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Tokens:
    """Fake credentials shaped like real ones, the same on every run (goldens pin their hashes)."""

    github: str
    aws_id: str
    aws_secret: str
    slack: str
    password: str
    doc_password: str


def make_tokens(seed: int = 20231114) -> Tokens:
    rng = random.Random(seed)

    def pick(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    return Tokens(
        github="ghp" + "_" + pick(ALNUM, 36),
        aws_id="AK" + "IA" + pick(string.ascii_uppercase + "234567", 16),
        aws_secret=pick(ALNUM + "/+", 40),
        slack="xox"
        + "b-"
        + pick(string.digits, 12)
        + "-"
        + pick(string.digits, 13)
        + "-"
        + pick(ALNUM, 24),
        password="Pw" + pick(ALNUM, 14),
        doc_password="Dc" + pick(ALNUM, 14),
    )


GITHUB = RuleInfo(
    id="github-pat-classic",
    description="GitHub personal access token",
    provider="github",
    severity=Severity.CRITICAL,
    remediation="Revoke it at https://github.com/settings/tokens and create a new token.",
    references=("https://docs.github.com/en/authentication",),
    confidence=Confidence.HIGH,
)
AWS = RuleInfo(
    id="aws-secret-access-key",
    description="AWS secret access key",
    provider="aws",
    severity=Severity.CRITICAL,
    remediation="Deactivate the access key in IAM, create a new one, then delete the old one.",
    confidence=Confidence.HIGH,
)
SLACK = RuleInfo(
    id="slack-bot-token",
    description="Slack bot token",
    provider="slack",
    severity=Severity.HIGH,
    remediation="Regenerate the bot token in the Slack app's OAuth settings.",
    confidence=Confidence.HIGH,
)
PASSWORD = RuleInfo(
    id="generic-secret-assignment",
    description="Password assigned in code or configuration",
    provider="generic",
    severity=Severity.MEDIUM,
    remediation="Change the password where it is used, then read it from the environment.",
)
UNUSED = RuleInfo(
    id="stripe-live-key",
    description="Stripe live secret key",
    provider="stripe",
    severity=Severity.LOW,
    remediation="Roll the key in the Stripe dashboard.",
)

ALICE = ("Alice Example", "alice@example.com")
BOB = ("Bob Example", "bob@example.com")


def _prov(commit: str, path: str, who: tuple[str, str], date: str, summary: str) -> Provenance:
    return Provenance(commit, path, who[0], who[1], date, summary)


def sample_results(tokens: Tokens | None = None) -> list[ScanResult]:
    """Two repositories: one with findings of every kind, one clean; deliberately unsorted."""
    t = tokens or make_tokens()
    c1, c2, c3 = "1" * 40, "2" * 40, "3" * 40
    findings = (
        Finding(
            match=Match("generic-secret-assignment", t.password, 120, 136, 7, 12),
            rule=PASSWORD,
            source=SourceKind.BLOB,
            object_id="a" * 40,
            repository="acme/api",
            provenance=(_prov(c2, "config/settings.py", BOB, "2023-11-15T09:30:00+00:00", "cfg"),),
            refs=("refs/heads/main",),
            in_head=True,
        ),
        Finding(
            match=Match("github-pat-classic", t.github, 10, 50, 2, 9, Validation.CHECKSUM_VALID),
            rule=GITHUB,
            source=SourceKind.BLOB,
            object_id="b" * 40,
            repository="acme/api",
            provenance=(
                _prov(c1, "deploy/ci.sh", ALICE, "2023-11-14T22:13:20+00:00", "Add CI script"),
                _prov(c3, "deploy/ci-old.sh", BOB, "2023-11-16T10:00:00+00:00", "Rename"),
            ),
            refs=("refs/heads/main", "refs/tags/v1.0"),
            in_head=False,
            confidence=Confidence.HIGH,
        ),
        Finding(  # a later version of the same file: the same secret, one more place
            match=Match("github-pat-classic", t.github, 40, 80, 3, 9, Validation.CHECKSUM_VALID),
            rule=GITHUB,
            source=SourceKind.BLOB,
            object_id="9" * 40,
            repository="acme/api",
            provenance=(
                _prov("4" * 40, "deploy/ci.sh", ALICE, "2023-11-17T08:00:00+00:00", "Tidy CI"),
            ),
            refs=("refs/heads/release",),
            in_head=False,
            confidence=Confidence.HIGH,
        ),
        Finding(  # a low-confidence match in the documentation: held back by default
            match=Match("generic-secret-assignment", t.doc_password, 5, 21, 4, 14),
            rule=PASSWORD,
            source=SourceKind.BLOB,
            object_id="8" * 40,
            repository="acme/api",
            provenance=(_prov(c1, "docs/setup.md", ALICE, "2023-11-14T22:13:20+00:00", "Docs"),),
            refs=("refs/heads/main",),
            in_head=True,
            confidence=Confidence.LOW,
            context=Context.DOCS,
        ),
        Finding(
            match=Match("slack-bot-token", t.slack, 30, 30 + len(t.slack), 3, 5),
            rule=SLACK,
            source=SourceKind.COMMIT_MESSAGE,
            object_id=c3,
            repository="acme/api",
            # the summary quotes the token itself: reports must redact it there too
            provenance=(_prov(c3, "", BOB, "2023-11-16T10:00:00+00:00", f"Use {t.slack}"),),
            refs=("refs/heads/feature/[x]",),
            confidence=Confidence.HIGH,
        ),
        Finding(
            match=Match("aws-secret-access-key", t.aws_secret, 200, 240, 12, 23),
            rule=AWS,
            source=SourceKind.BLOB,
            object_id="c" * 40,
            repository="acme/api",
            provenance=(
                _prov(c2, "infra/terraform vars.tfvars", BOB, "2023-11-15T09:30:00+00:00", "x"),
            ),
            refs=("refs/heads/main",),
            in_head=True,
            confidence=Confidence.HIGH,
        ),
    )
    api = ScanResult(
        repository="acme/api",
        findings=findings,
        rules=(UNUSED, PASSWORD, GITHUB, SLACK, AWS),
        stats=ScanStats(
            blobs_scanned=1234, bytes_scanned=56_789_012, commits_seen=321, seconds=4.5
        ),
        skipped=(
            Skipped("d" * 40, "larger than max blob size (20 MiB)", "assets/video.mp4", 31_457_280),
            Skipped("e" * 40, "missing object (promisor remote)"),
        ),
        warnings=("shallow clone: history before 1111111 not scanned",),
        suppressed=2,
        extra={"repository_uri": "https://example.com/acme/api.git", "revision": c3},
    )
    web = ScanResult(
        repository="acme/web",
        findings=(),
        rules=(GITHUB,),
        stats=ScanStats(blobs_scanned=10, bytes_scanned=2048, commits_seen=3, seconds=0.25),
    )
    return [web, api]


def all_secrets(tokens: Tokens) -> list[str]:
    return [tokens.github, tokens.aws_secret, tokens.slack, tokens.password, tokens.doc_password]


def staged_result(tokens: Tokens | None = None) -> ScanResult:
    """What the pre-commit hook reports: index content, a path but no commit yet."""
    t = tokens or make_tokens()
    finding = Finding(
        match=Match("generic-secret-assignment", t.password, 9, 25, 1, 10),
        rule=PASSWORD,
        source=SourceKind.STAGED,
        object_id="f" * 40,
        repository="acme/api",
        provenance=(
            Provenance(commit="", path="app/.env", author_name="", author_email="", date=""),
        ),
    )
    return ScanResult(repository="acme/api", findings=(finding,), rules=(PASSWORD,))

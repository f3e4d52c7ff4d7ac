"""`scaffold rotate FINGERPRINT`: the provider's rotation runbook, filled in for one finding.

find_rotation joins a fingerprint's findings with their runbook, the last verify answer, the
other half of a pair (an AWS key id) and where the repository uses the secret; render_rotation
turns that into numbered steps. Nothing here prints a secret unless show_secrets is set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.remedy.records import Remedy
from scaffold.remedy.runbook import Runbook, fill
from scaffold.remedy.usage import Usage
from scaffold.report.common import scrub
from scaffold.scan.model import Finding, Liveness, SourceKind, Verification, redact

_ARN = re.compile(r"arn:aws:iam::(\d{12}):user/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)")
_DETAIL = re.compile(r"\(([^()]+)\)\s*$")
AWS_KEY_ID = r"\b((?:AKIA|ASIA)[A-Z2-7]{16})\b"


@dataclass(frozen=True)
class Rotation:
    fingerprint: str
    findings: tuple[Finding, ...]
    runbook: Runbook
    verification: Verification | None = None
    usage: Usage = field(default_factory=Usage)
    companion: str = field(default="", repr=False)  # e.g. the access key id beside an AWS secret
    remedies: tuple[Remedy, ...] = ()

    @property
    def finding(self) -> Finding:
        return self.findings[0]


def pick(findings: Sequence[Finding], wanted: str, where: Path) -> list[Finding]:
    """The findings with fingerprint (or unique prefix) `wanted`, earliest introduction first."""
    key = wanted.strip().lower()
    if len(key) < 8 or any(ch not in "0123456789abcdef" for ch in key):
        raise UsageError(f"{wanted!r} is not a fingerprint (at least 8 hex digits)")
    chosen = [f for f in findings if f.fingerprint.startswith(key)]
    if not chosen:
        raise UsageError(
            f"no finding with fingerprint {key[:12]} in {where} "
            "(`scaffold scan` lists each finding's fingerprint)"
        )
    if len({f.fingerprint for f in chosen}) > 1:
        raise UsageError(f"fingerprint {key} is ambiguous here: give more digits")
    return sorted(chosen, key=lambda f: f.first.date if f.first else "")


def values(rotation: Rotation, *, show_secrets: bool = False) -> dict[str, str]:
    """What the runbook's placeholders become for this finding."""
    finding = rotation.finding
    answer = rotation.verification.reason if rotation.verification else ""
    found = _ARN.search(answer)
    detail = _DETAIL.search(answer) if rotation.verification else None
    key_id = rotation.companion
    if finding.rule.id == "aws-access-key-id":
        key_id = finding.match.secret
    shown = key_id if show_secrets else (f"<{redact(key_id)}>" if key_id else "")
    first = finding.first
    return {
        "provider": finding.rule.provider,
        "remediation": finding.rule.remediation,
        "fingerprint": rotation.fingerprint,
        "key_id": shown,
        "account": found.group(1) if found else "",
        "user": found.group(2) if found else "",
        "detail": detail.group(1) if detail and not found else "",
        "login": detail.group(1) if detail and not found else "",
        "introduced": first.date[:10] if first and first.date else "it was committed",
    }


def state_line(verification: Verification | None) -> str:
    if verification is None:
        return "not verified (add --verify to ask the provider)"
    return f"{verification.status} when checked at {verification.checked_at}: {verification.reason}"


def render_rotation(
    rotation: Rotation, *, purge_path: str = ".", show_secrets: bool = False
) -> str:
    book, finding = rotation.runbook, rotation.finding
    filled = values(rotation, show_secrets=show_secrets)
    secret = finding.match.secret
    shown = secret if show_secrets else redact(secret)
    lines = [
        f"Rotate {fill(book.title, filled)}: {rotation.fingerprint[:12]} "
        f"({finding.rule.id}, {shown})",
        f"State: {state_line(rotation.verification)}",
    ]
    first = finding.first
    if first is not None and first.commit:
        lines.append(
            f"Introduced: {first.commit[:12]} on {first.date[:10]} by {first.author_name}"
            + (f", reachable from {', '.join(sorted(finding.refs)[:6])}" if finding.refs else "")
        )
    lines += [
        f"Done: {r.action} at {r.at}" + (f" ({r.detail})" if r.detail else "")
        for r in rotation.remedies
    ]
    sections: list[tuple[str, list[str]]] = []
    status = rotation.verification.status if rotation.verification else None
    if book.contain and status is not Liveness.REVOKED:
        heading = (
            "Contain it first" if status is Liveness.LIVE else "Contain it first (it may be live)"
        )
        sections.append((heading, [fill(s, filled) for s in book.contain]))
    sections += [
        ("Where it is managed", [fill(s, filled) for s in book.managed]),
        ("Issue the replacement first", [fill(s, filled) for s in book.replace]),
        ("Where this repository uses it", usage_steps(rotation)),
        ("Roll it out without downtime", [fill(s, filled) for s in book.rollout]),
        ("Revoke the old one", [fill(s, filled) for s in book.revoke]),
        ("Check the logs for abuse", [fill(s, filled) for s in book.audit]),
        ("Then remove it from history", purge_steps(rotation, purge_path)),
    ]
    for number, (heading, steps) in enumerate(sections, start=1):
        lines.append("")
        lines.append(f"{number}. {heading}")
        lines += [f"   - {step}" for step in steps]
    references = book.references or finding.rule.references
    if references:
        lines.append("")
        lines += [f"See {ref}" for ref in references]
    return "\n".join(lines) + "\n"


def usage_steps(rotation: Rotation) -> list[str]:
    usage = rotation.usage
    steps = []
    files = usage.files or tuple(
        sorted(
            {
                scrub(p.path, rotation.finding.match.secret)
                for f in rotation.findings
                for p in f.provenance
                if p.path
            }
        )
    )
    if files:
        at_head = set(usage.at_head)
        listed = ", ".join(
            f"{p} (still in the current files)" if p in at_head else p for p in files
        )
        steps.append(f"Committed in: {listed}.")
    messages = sorted(
        {f.object_id[:12] for f in rotation.findings if f.source is SourceKind.COMMIT_MESSAGE}
    )
    if messages:
        steps.append(f"Written in the message of commit or tag {', '.join(messages)}.")
    if usage.at_head:
        steps.append(
            "Replace the value in the current files with a read from the environment or the "
            "secret store, in the same change that deploys the new key."
        )
    if usage.settings:
        steps.append(f"Setting names: {', '.join(usage.settings)}.")
    if usage.readers:
        steps.append(f"Files at HEAD that read those names: {', '.join(usage.readers)}.")
    if usage.store is not None:
        store = (
            "Secrets Manager" if usage.store.backend == "secrets-manager" else "SSM Parameter Store"
        )
        paths = ", ".join(usage.store.paths)
        steps.append(
            f"This repository follows the service template: the new value goes to {store} at "
            f"{paths}."
        )
        first = usage.store.paths[0]
        if usage.store.backend == "secrets-manager":
            command = (
                f"aws secretsmanager put-secret-value --secret-id {first} "
                "--secret-string file://new-value.txt"
            )
        else:
            command = (
                f"aws ssm put-parameter --name {first} --type SecureString --overwrite "
                "--value file://new-value.txt"
            )
        steps.append(
            f"`{command}` (from a file you delete afterwards, never on the command line); the "
            "service reloads it within its cache TTL."
        )
    return steps


def purge_steps(rotation: Rotation, path: str) -> list[str]:
    fp = rotation.fingerprint[:12]
    live = rotation.verification is not None and rotation.verification.status is Liveness.LIVE
    flag = " --i-have-rotated" if live else ""
    return [
        f"Once the old one is revoked, see what would change: "
        f"`scaffold purge {path} --fingerprint {fp} --dry-run`.",
        f"`scaffold purge {path} --fingerprint {fp}{flag}` backs up every ref, rewrites them and "
        "prints the force-push commands.",
        f"Record the incident: `scaffold rotate {fp} {path} --incident docs/incidents/{fp}.md`.",
    ]

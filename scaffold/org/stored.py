"""Findings to datastore rows and back: the secret is replaced by its fingerprint and preview.

A finding read back carries a StoredMatch whose `secret` is a placeholder with the same prefix
and length as the real one, so `redact()` renders exactly what it rendered for the original and
`fingerprint` is the stored one. Nothing can print the real secret from a datastore.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scaffold.report.common import scrub
from scaffold.scan.model import (
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
    redact,
)

PLACEHOLDER = "•"  # stands for every secret character we do not keep


@dataclass(frozen=True)
class StoredMatch(Match):
    """A match read from a datastore: no secret, only its identity and shape."""

    stored_fingerprint: str = ""

    @property
    def fingerprint(self) -> str:
        return self.stored_fingerprint


def placeholder(preview: str, length: int) -> str:
    """A stand-in secret whose redact() equals `preview`."""
    prefix = preview.split("…", 1)[0]
    return prefix + PLACEHOLDER * max(0, length - len(prefix))


def rule_to_json(rule: RuleInfo) -> str:
    return json.dumps(
        {
            "id": rule.id,
            "description": rule.description,
            "provider": rule.provider,
            "severity": str(rule.severity),
            "remediation": rule.remediation,
            "references": list(rule.references),
        },
        sort_keys=True,
    )


def rule_from_json(text: str) -> RuleInfo:
    data = json.loads(text)
    return rule_from_dict(data)


def rule_from_dict(data: dict[str, Any]) -> RuleInfo:
    return RuleInfo(
        id=str(data["id"]),
        description=str(data.get("description", "")),
        provider=str(data.get("provider", "")),
        severity=Severity(str(data.get("severity", "medium"))),
        remediation=str(data.get("remediation", "")),
        references=tuple(str(r) for r in data.get("references", ())),
    )


def _provenance_json(finding: Finding) -> str:
    secret = finding.match.secret
    return json.dumps(
        [
            [
                p.commit,
                scrub(p.path, secret),
                p.author_name,
                p.author_email,
                p.date,
                scrub(p.summary, secret),
            ]
            for p in finding.provenance
        ]
    )


def finding_row(
    identity: str, finding: Finding, first_seen: float, first_run: int
) -> tuple[object, ...]:
    match = finding.match
    return (
        identity,
        finding.fingerprint,
        str(finding.source),
        finding.object_id,
        match.line,
        match.column,
        match.start,
        match.end,
        rule_to_json(finding.rule),
        redact(match.secret),
        len(match.secret),
        str(match.validation),
        _provenance_json(finding),
        json.dumps(list(finding.refs)),
        int(finding.in_head),
        first_seen,
        first_run,
    )


def finding_from_row(row: Sequence[Any], repository: str) -> Finding:
    (_, fp, source, object_id, line, col, start, end, rule, preview, length, validation,
     provenance, refs, in_head, _first_seen, _first_run) = row  # fmt: skip
    info = rule_from_json(rule)
    match = StoredMatch(
        rule_id=info.id,
        secret=placeholder(preview, int(length)),
        start=int(start),
        end=int(end),
        line=int(line),
        column=int(col),
        validation=Validation(validation),
        stored_fingerprint=fp,
    )
    return Finding(
        match=match,
        rule=info,
        source=SourceKind(source),
        object_id=object_id,
        repository=repository,
        provenance=tuple(Provenance(*item) for item in json.loads(provenance)),
        refs=tuple(json.loads(refs)),
        in_head=bool(in_head),
    )


def result_from_rows(
    repo: sqlite3.Row | Sequence[Any], rows: Sequence[Sequence[Any]], rules: tuple[RuleInfo, ...]
) -> ScanResult:
    (display, status, error, _rules_version, seconds, blobs, size, commits, suppressed, warnings,
     skipped, gaps) = repo  # fmt: skip
    notes = list(json.loads(warnings))
    if status != "ok":
        notes.append(f"not scanned: {error}")
    return ScanResult(
        repository=display,
        findings=tuple(finding_from_row(row, display) for row in rows),
        rules=rules,
        stats=ScanStats(int(blobs), int(size), int(commits), float(seconds)),
        skipped=tuple(Skipped(*item) for item in json.loads(skipped)),
        warnings=tuple(notes),
        suppressed=int(suppressed),
        extra={"status": status},
        gaps=tuple(json.loads(gaps)),
    )

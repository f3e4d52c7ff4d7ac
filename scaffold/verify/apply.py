"""Verify a scan's findings, remember the answers, and put them on the findings.

The one path `scan --verify`, `rotate --verify` and organisation scans share: contents come
from the scanned repository through the locked-down git reader, answers go to the datastore.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from scaffold.scan.model import Finding, ScanResult, SourceKind, Verification
from scaffold.verify.run import ContentReader, VerifyOptions, verify_findings


def git_contents(root: Path) -> ContentReader:
    """Reads the blobs and commit messages the findings' offsets refer to."""

    def read(findings: Sequence[Finding]) -> Mapping[str, bytes]:
        from scaffold.errors import RepositoryError
        from scaffold.remedy.git import object_reader
        from scaffold.scan.blobs import commit_message

        try:
            with object_reader(root) as reader:
                found = reader.read({f.object_id for f in findings if f.object_id})
        except RepositoryError:  # plain files outside git: no pair or URL can be read
            return {}
        messages = {f.object_id for f in findings if f.source is SourceKind.COMMIT_MESSAGE}
        return {
            oid: commit_message(data) if oid in messages else data for oid, data in found.items()
        }

    return read


def verify_and_record(
    findings: Sequence[Finding],
    options: VerifyOptions,
    root: Path | None,
    datastore: Path | None = None,
) -> dict[str, Verification]:
    from scaffold.remedy.records import Records

    answers = verify_findings(findings, options, git_contents(root) if root else None)
    rules = {f.fingerprint: f.rule.id for f in findings}
    with Records(datastore) as records:
        records.save_verifications({fp: (rules[fp], v) for fp, v in answers.items()})
    return answers


def with_verifications(result: ScanResult, answers: Mapping[str, Verification]) -> ScanResult:
    findings = tuple(
        replace(f, verification=answers[f.fingerprint]) if f.fingerprint in answers else f
        for f in result.findings
    )
    return replace(result, findings=findings)


def summary(answers: Mapping[str, Verification]) -> str:
    """`verify: 2 live, 1 revoked/invalid, 3 unknown (4 of them unreachable...)`."""
    from collections import Counter

    counts = Counter(str(v.status) for v in answers.values())
    parts = [f"{counts[s]} {s}" for s in ("live", "revoked/invalid", "unknown") if counts[s]]
    return "verify: " + (", ".join(parts) if parts else "nothing to check")

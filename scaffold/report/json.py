"""The JSON report: a versioned, documented schema (docs/scan-report-json.md) for scripts and CI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from scaffold.report.common import (
    TOOL_NAME,
    finding_path,
    preview,
    scrub,
    sorted_findings,
    sorted_results,
    tool_version,
)
from scaffold.scan.model import Finding, Provenance, ScanResult, ScanStats, Skipped

# Bump when a field changes meaning or disappears; adding an optional field does not bump it.
SCHEMA_VERSION = 1


def report(results: Sequence[ScanResult], out: TextIO, *, show_secrets: bool = False) -> None:
    """Write the whole report as one JSON document, keys and findings in a stable order."""
    document = build(results, show_secrets=show_secrets)
    out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def build(results: Sequence[ScanResult], *, show_secrets: bool = False) -> dict[str, Any]:
    repositories = [_repository(result, show_secrets) for result in sorted_results(results)]
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version()},
        "secrets_shown": show_secrets,
        "summary": {
            "repositories": len(results),
            "findings": sum(len(result.findings) for result in results),
            "suppressed": sum(result.suppressed for result in results),
            "complete": all(result.complete for result in results),
        },
        "repositories": repositories,
    }


def _repository(result: ScanResult, show_secrets: bool) -> dict[str, Any]:
    return {
        "repository": result.repository,
        "findings": [_finding(f, show_secrets) for f in sorted_findings(result.findings)],
        "suppressed": result.suppressed,
        "complete": result.complete,
        "incomplete": list(result.gaps),
        "stats": _stats(result.stats),
        "skipped": [_skipped(item) for item in sorted(result.skipped, key=_skipped_key)],
        "warnings": list(result.warnings),
        "extra": dict(sorted(result.extra.items())),
    }


def _finding(finding: Finding, show_secrets: bool) -> dict[str, Any]:
    match, rule, first = finding.match, finding.rule, finding.first
    secret = match.secret
    record: dict[str, Any] = {
        "fingerprint": finding.fingerprint,
        "rule": {
            "id": rule.id,
            "description": rule.description,
            "severity": str(rule.severity),
            "provider": rule.provider,
        },
        "source": str(finding.source),
        "object_id": finding.object_id,
        "path": scrub(finding_path(finding), secret, show_secrets=show_secrets) or None,
        "line": match.line,
        "column": match.column,
        "commit": first.commit if first is not None and first.commit else None,
        "author": _author(first),
        "date": first.date if first is not None and first.date else None,
        "refs": sorted(finding.refs),
        "in_head": finding.in_head,
        "validation": str(match.validation),
        "preview": preview(finding, show_secrets=False),
        "provenance": [_provenance(p, secret, show_secrets) for p in finding.provenance],
        "remediation": rule.remediation,
    }
    if finding.verification is not None:  # only with `scan --verify`
        record["verification"] = _verification(finding)
    if show_secrets:
        record["secret"] = secret
    return record


def _verification(finding: Finding) -> dict[str, str] | None:
    """`scan --verify`'s answer; null when the scan did not ask."""
    answer = finding.verification
    if answer is None:
        return None
    return {"status": str(answer.status), "reason": answer.reason, "checked_at": answer.checked_at}


def _author(first: Provenance | None) -> dict[str, str] | None:
    if first is None or not (first.author_name or first.author_email):
        return None
    return {"name": first.author_name, "email": first.author_email}


def _provenance(item: Provenance, secret: str, show_secrets: bool) -> dict[str, Any]:
    # a commit summary can hold the secret itself (a token pasted into a message)
    return {
        "commit": item.commit,
        "path": scrub(item.path, secret, show_secrets=show_secrets),
        "author": {"name": item.author_name, "email": item.author_email},
        "date": item.date,
        "summary": scrub(item.summary, secret, show_secrets=show_secrets),
    }


def _stats(stats: ScanStats) -> dict[str, Any]:
    return {
        "blobs_scanned": stats.blobs_scanned,
        "bytes_scanned": stats.bytes_scanned,
        "commits_seen": stats.commits_seen,
        "seconds": round(stats.seconds, 3),
    }


def _skipped(item: Skipped) -> dict[str, Any]:
    return {
        "object_id": item.object_id,
        "path": item.path,
        "member": item.member,
        "size": item.size,
        "reason": item.reason,
    }


def _skipped_key(item: Skipped) -> tuple[str, str, str]:
    return (item.path, item.object_id, item.reason)

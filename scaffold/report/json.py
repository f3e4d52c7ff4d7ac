"""The JSON report: a versioned, documented schema (docs/scan-report-json.md) for scripts and CI,
one object per secret with every place it is."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from scaffold.report.common import TOOL_NAME, scrub, sorted_results, tool_version
from scaffold.scan.grouping import Location, Secret, View, group
from scaffold.scan.model import ScanResult, ScanStats, Skipped, redact

# Bump when a field changes meaning or disappears; adding an optional field does not bump it.
# 2: one object per secret (`secrets`, with its `locations`), not one per blob; refs counted.
SCHEMA_VERSION = 2
REF_EXAMPLES = 5  # refs listed per secret, unless --all-refs


def report(
    results: Sequence[ScanResult],
    out: TextIO,
    *,
    show_secrets: bool = False,
    view: View | None = None,
    all_refs: bool = False,
) -> None:
    """Write the whole report as one JSON document, keys and secrets in a stable order."""
    document = build(results, show_secrets=show_secrets, view=view, all_refs=all_refs)
    out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def build(
    results: Sequence[ScanResult],
    *,
    show_secrets: bool = False,
    view: View | None = None,
    all_refs: bool = False,
) -> dict[str, Any]:
    view = view or View()
    repositories = [
        _repository(result, show_secrets, view, all_refs) for result in sorted_results(results)
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version()},
        "secrets_shown": show_secrets,
        "view": {
            "confidence": str(view.confidence),
            "contexts": sorted(str(c) for c in view.contexts),
        },
        "summary": {
            "repositories": len(results),
            "secrets": sum(len(r["secrets"]) for r in repositories),
            "held_back": sum(r["held_back"] for r in repositories),
            "places": sum(len(s["locations"]) for r in repositories for s in r["secrets"]),
            "suppressed": sum(result.suppressed for result in results),
            "complete": all(result.complete for result in results),
        },
        "repositories": repositories,
    }


def _repository(
    result: ScanResult, show_secrets: bool, view: View, all_refs: bool
) -> dict[str, Any]:
    shown, held = view.split(group(result))
    return {
        "repository": result.repository,
        "secrets": [_secret(s, show_secrets, all_refs) for s in shown],
        "held_back": len(held),
        "suppressed": result.suppressed,
        "complete": result.complete,
        "incomplete": list(result.gaps),
        "stats": _stats(result.stats),
        "skipped": [_skipped(item) for item in sorted(result.skipped, key=_skipped_key)],
        "warnings": list(result.warnings),
        "extra": dict(sorted(result.extra.items())),
    }


def _secret(secret: Secret, show_secrets: bool, all_refs: bool) -> dict[str, Any]:
    rule, value = secret.rule, secret.match.secret
    locations = [_location(loc, value, show_secrets) for loc in secret.locations]
    refs = list(secret.refs)
    record: dict[str, Any] = {
        "fingerprint": secret.fingerprint,
        "rule": {
            "id": rule.id,
            "description": rule.description,
            "severity": str(rule.severity),
            "provider": rule.provider,
        },
        "confidence": str(secret.confidence),
        "context": str(secret.context),
        "validation": str(secret.match.validation),
        "preview": redact(value),
        "in_head": secret.in_head,
        "first": locations[0],
        "newest": locations[-1],
        "locations": locations,
        "refs": {"count": len(refs), "names": refs if all_refs else refs[:REF_EXAMPLES]},
        "remediation": rule.remediation,
    }
    if secret.verification is not None:  # only with `scan --verify`
        answer = secret.verification
        record["verification"] = {
            "status": str(answer.status),
            "reason": scrub(answer.reason, value),
            "checked_at": answer.checked_at,
        }
    if show_secrets:
        record["secret"] = value
    return record


def _location(location: Location, secret: str, show_secrets: bool) -> dict[str, Any]:
    # a path or a commit summary can hold the secret itself (a token pasted into a message)
    return {
        "source": str(location.source),
        "object_id": location.object_id,
        "path": scrub(location.path, secret, show_secrets=show_secrets) or None,
        "line": location.line,
        "column": location.column,
        "commit": location.commit or None,
        "author": (
            {"name": location.author_name, "email": location.author_email}
            if location.author_name or location.author_email
            else None
        ),
        "date": location.date or None,
        "summary": scrub(location.summary, secret, show_secrets=show_secrets),
        "context": str(location.context),
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

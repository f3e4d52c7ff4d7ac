"""The SARIF 2.1.0 report: one run per repository, in the subset GitHub code scanning accepts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from scaffold.report.common import (
    INFORMATION_URI,
    TOOL_NAME,
    finding_path,
    scrub,
    sorted_findings,
    sorted_results,
    tool_version,
)
from scaffold.scan.model import Finding, RuleInfo, ScanResult, Severity, SourceKind

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "scaffold/v1"
COMMIT_MESSAGE_URI = "git-commit-message"

# GitHub maps security-severity to its labels: >=9 critical, >=7 high, >=4 medium, else low.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
PROBLEM_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "recommendation",
}
LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
PURGE_HELP = (
    "After rotating (`scaffold rotate <fingerprint>` prints the provider's runbook), remove the "
    "secret from the files that still hold it, then `scaffold purge . --fingerprint "
    "<fingerprint>` rewrites every branch and tag with git-filter-repo and prints the force-push "
    "and host-side steps. Purging never un-leaks a secret: rotate first."
)


def report(results: Sequence[ScanResult], out: TextIO, *, show_secrets: bool = False) -> None:
    """Write one SARIF log. Secrets never appear in it: SARIF files get uploaded and shared."""
    del show_secrets  # deliberately ignored: results are rendered by third parties
    out.write(json.dumps(build(results), indent=2, ensure_ascii=False) + "\n")


def build(results: Sequence[ScanResult]) -> dict[str, Any]:
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [_run(result) for result in sorted_results(results)],
    }


def _run(result: ScanResult) -> dict[str, Any]:
    rules = _rules_for(result)
    index = {rule.id: position for position, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": tool_version(),
                "semanticVersion": tool_version(),
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in rules],
            }
        },
        # GitHub rejects several runs of one tool in one upload unless their categories differ
        "automationDetails": {"id": f"scaffold-scan/{result.repository}/"},
        "invocations": [_invocation(result)],
        "results": [_result(f, index[f.rule.id]) for f in sorted_findings(result.findings)],
        "properties": {
            "repository": result.repository,
            "suppressed": result.suppressed,
            "blobsScanned": result.stats.blobs_scanned,
            "bytesScanned": result.stats.bytes_scanned,
            "commitsSeen": result.stats.commits_seen,
        },
    }
    provenance = _version_control(result)
    if provenance:
        run["versionControlProvenance"] = [provenance]
    return run


def _rules_for(result: ScanResult) -> list[RuleInfo]:
    """Every active rule, plus any rule a finding names that the rule list lacks."""
    by_id = {rule.id: rule for rule in result.rules}
    for finding in result.findings:
        by_id.setdefault(finding.rule.id, finding.rule)
    return [by_id[rule_id] for rule_id in sorted(by_id)]


def _rule(rule: RuleInfo) -> dict[str, Any]:
    help_text = f"Rotate first: {rule.remediation}\n\n{PURGE_HELP}"
    references = "".join(f"\n- {ref}" for ref in rule.references)
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": _pascal(rule.id),
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": f"{rule.description} ({rule.provider} credential)."},
        "help": {
            "text": help_text + (f"\n\nReferences:{references}" if references else ""),
            "markdown": f"**Rotate first:** {rule.remediation}\n\n{PURGE_HELP}"
            + (f"\n\n**References:**{references}" if references else ""),
        },
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": ["security", "secret", f"provider/{rule.provider}", "external/cwe/cwe-798"],
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "high",
            "problem.severity": PROBLEM_SEVERITY[rule.severity],
        },
    }
    if rule.references:
        descriptor["helpUri"] = rule.references[0]
    return descriptor


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    first = finding.first
    where = "a commit message" if finding.source is SourceKind.COMMIT_MESSAGE else "this file"
    # no preview here, not even a redacted one: SARIF messages are shown to whole organisations
    result: dict[str, Any] = {
        "ruleId": finding.rule.id,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.rule.severity],
        "message": {"text": _message(finding, where)},
        "locations": [_location(finding)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {
            "source": str(finding.source),
            "objectId": finding.object_id,
            "validation": str(finding.match.validation),
            "inHead": finding.in_head,
            "refs": sorted(finding.refs),
        },
    }
    if finding.verification is not None:
        answer = finding.verification
        result["properties"]["verification"] = {
            "status": str(answer.status),
            "reason": answer.reason,
            "checkedAt": answer.checked_at,
        }
    related = _related_locations(finding)
    if related:
        result["relatedLocations"] = related
    if first is not None:
        result["properties"].update(
            {
                "commit": first.commit,
                "author": first.author_name,
                "authorEmail": first.author_email,
                "date": first.date,
            }
        )
    return result


def _message(finding: Finding, where: str) -> str:
    first = finding.first
    introduced = ""
    if first is not None and first.commit:
        introduced = f", introduced by {first.commit[:7]} on {first.date[:10]}"
    if finding.source is not SourceKind.BLOB:  # staged and plain files have no history yet
        state = ""
    elif finding.in_head:
        state = "; still in the current files"
    else:
        state = "; gone from the current files but still in history"
    checked = ""
    if finding.verification is not None:
        checked = f" Provider check: {finding.verification.status} ({finding.verification.reason})."
    return (
        f"{finding.rule.description} in {where} ({finding.match.validation}){introduced}{state}."
        f"{checked} Rotate it first, then purge it from history."
    )


def _location(finding: Finding) -> dict[str, Any]:
    region = {"startLine": max(finding.match.line, 1), "startColumn": max(finding.match.column, 1)}
    path = scrub(finding_path(finding), finding.match.secret)
    if path or finding.source is not SourceKind.COMMIT_MESSAGE:
        return {
            "physicalLocation": {
                "artifactLocation": {
                    "uri": _uri(path or finding.object_id),
                    "uriBaseId": "%SRCROOT%",
                },
                "region": region,
            }
        }
    # GitHub rejects the whole upload if any location lacks a physical artifact, so a commit
    # message gets a pseudo-path naming the commit, plus a logical location saying what it is.
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": f"{COMMIT_MESSAGE_URI}/{finding.object_id}"},
            "region": region,
        },
        "logicalLocations": [
            {"name": finding.object_id, "kind": "commit-message"},
        ],
    }


def _related_locations(finding: Finding) -> list[dict[str, Any]]:
    """The other places the same content was introduced (copies, renames), after the first."""
    if finding.source is SourceKind.COMMIT_MESSAGE:
        return []
    region = {"startLine": max(finding.match.line, 1), "startColumn": max(finding.match.column, 1)}
    related = []
    for number, item in enumerate(finding.provenance[1:], start=1):
        if not item.path:
            continue
        path = scrub(item.path, finding.match.secret)
        related.append(
            {
                "id": number,
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(path), "uriBaseId": "%SRCROOT%"},
                    "region": region,
                },
                "message": {"text": f"Also introduced by {item.commit[:7]} ({item.date[:10]})."},
            }
        )
    return related


def _invocation(result: ScanResult) -> dict[str, Any]:
    """A scan that could not read everything did not execute successfully (SARIF 3.20.14);
    each gap is an error notification, each unread item a warning."""
    notes: list[dict[str, Any]] = [
        {"level": "error", "message": {"text": f"incomplete: {gap}"}} for gap in result.gaps
    ]
    notes += [{"level": "warning", "message": {"text": warning}} for warning in result.warnings]
    for item in sorted(result.skipped, key=lambda s: (s.path, s.object_id, s.reason)):
        place = f"{item.place} ({item.object_id})" if item.path else item.place
        notes.append(
            {"level": "warning", "message": {"text": f"not scanned: {place}: {item.reason}"}}
        )
    return {"executionSuccessful": result.complete, "toolExecutionNotifications": notes}


def _version_control(result: ScanResult) -> dict[str, str]:
    """Filled from what the engine knows (ScanResult.extra); repositoryUri is required by SARIF."""
    uri = result.extra.get("repository_uri", "")
    if not uri:
        return {}
    provenance = {"repositoryUri": uri}
    if revision := result.extra.get("revision", ""):
        provenance["revisionId"] = revision
    if branch := result.extra.get("branch", ""):
        provenance["branch"] = branch
    return provenance


def _uri(path: str) -> str:
    """A relative URI reference: percent-encode what a URI cannot hold, keep the slashes."""
    from urllib.parse import quote

    return quote(path.lstrip("/"), safe="/-._~!$&'()*+,;=:@")


def _pascal(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.replace("_", "-").split("-") if part)

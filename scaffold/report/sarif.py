"""The SARIF 2.1.0 report: one run per repository, in the subset GitHub code scanning accepts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from scaffold.report.common import (
    INFORMATION_URI,
    TOOL_NAME,
    scrub,
    sorted_results,
    tool_version,
)
from scaffold.scan.grouping import Location, Secret, View, group
from scaffold.scan.model import RuleInfo, ScanResult, Severity, SourceKind

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


def report(
    results: Sequence[ScanResult],
    out: TextIO,
    *,
    show_secrets: bool = False,
    view: View | None = None,
    all_refs: bool = False,
) -> None:
    """Write one SARIF log. Secrets never appear in it: SARIF files get uploaded and shared."""
    del show_secrets, all_refs  # deliberately ignored: results are rendered by third parties
    out.write(json.dumps(build(results, view=view), indent=2, ensure_ascii=False) + "\n")


def build(results: Sequence[ScanResult], *, view: View | None = None) -> dict[str, Any]:
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [_run(result, view or View()) for result in sorted_results(results)],
    }


def _run(result: ScanResult, view: View) -> dict[str, Any]:
    shown, held = view.split(group(result))
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
        "results": [_result(secret, index[secret.rule.id]) for secret in shown],
        "properties": {
            "repository": result.repository,
            "suppressed": result.suppressed,
            "heldBack": len(held),
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


MAX_RELATED = 50  # places listed beside the primary one; the JSON report lists them all


def _result(secret: Secret, rule_index: int) -> dict[str, Any]:
    """One result per secret: code scanning then shows one alert for it, however many blob
    versions hold it. Its primary place is the current one when it is still at HEAD (the file
    a reader can open), else where it was introduced; the rest are related locations. Alerts
    are matched across runs by partialFingerprints: the secret's fingerprint (rule + secret),
    which neither an edit above it nor a move changes."""
    primary = _primary(secret)
    first = secret.first
    where = "a commit message" if primary.source is SourceKind.COMMIT_MESSAGE else "this file"
    # no preview here, not even a redacted one: SARIF messages are shown to whole organisations
    result: dict[str, Any] = {
        "ruleId": secret.rule.id,
        "ruleIndex": rule_index,
        "level": LEVEL[secret.rule.severity],
        "message": {"text": _message(secret, where)},
        "locations": [_location(primary, secret.match.secret)],
        "partialFingerprints": {
            FINGERPRINT_KEY: secret.fingerprint,
            "primaryLocationLineHash": f"{secret.fingerprint[:16]}:1",
        },
        "properties": {
            "source": str(primary.source),
            "objectId": primary.object_id,
            "validation": str(secret.match.validation),
            "confidence": str(secret.confidence),
            "context": str(secret.context),
            "inHead": secret.in_head,
            "places": len(secret.locations),
            "refs": len(secret.refs),
            "commit": first.commit,
            "author": first.author_name,
            "authorEmail": first.author_email,
            "date": first.date,
        },
    }
    if secret.verification is not None:
        answer = secret.verification
        result["properties"]["verification"] = {
            "status": str(answer.status),
            "reason": scrub(answer.reason, secret.match.secret),
            "checkedAt": answer.checked_at,
        }
    related = _related_locations(secret, primary)
    if related:
        result["relatedLocations"] = related
    return result


def _primary(secret: Secret) -> Location:
    if secret.in_head:
        for location in reversed(secret.locations):
            if location.path:
                return location
    return secret.first


def _message(secret: Secret, where: str) -> str:
    first = secret.first
    introduced = ""
    if first.commit:
        introduced = f", introduced by {first.commit[:7]} on {first.date[:10]}"
    places = len(secret.locations)
    counted = f"; {places} places in history" if places > 1 else ""
    if first.source is not SourceKind.BLOB:  # staged and plain files have no history yet
        state = ""
    elif secret.in_head:
        state = "; still in the current files"
    else:
        state = "; gone from the current files but still in history"
    checked = ""
    if secret.verification is not None:
        answer = secret.verification
        checked = f" Provider check: {answer.status} ({scrub(answer.reason, secret.match.secret)})."
    return (
        f"{secret.rule.description} in {where} ({secret.match.validation}){introduced}{counted}"
        f"{state}.{checked} Rotate it first, then purge it from history."
    )


def _location(location: Location, secret: str) -> dict[str, Any]:
    region = {"startLine": max(location.line, 1), "startColumn": max(location.column, 1)}
    path = scrub(location.path, secret)
    if path or location.source is not SourceKind.COMMIT_MESSAGE:
        return {
            "physicalLocation": {
                "artifactLocation": {
                    "uri": _uri(path or location.object_id),
                    "uriBaseId": "%SRCROOT%",
                },
                "region": region,
            }
        }
    # GitHub rejects the whole upload if any location lacks a physical artifact, so a commit
    # message gets a pseudo-path naming the commit, plus a logical location saying what it is.
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": f"{COMMIT_MESSAGE_URI}/{location.object_id}"},
            "region": region,
        },
        "logicalLocations": [
            {"name": location.object_id, "kind": "commit-message"},
        ],
    }


def _related_locations(secret: Secret, primary: Location) -> list[dict[str, Any]]:
    """The other places the secret is (other paths, versions, commits), oldest first."""
    related = []
    others = [loc for loc in secret.locations if loc is not primary]
    for number, location in enumerate(others[:MAX_RELATED], start=1):
        entry = _location(location, secret.match.secret)
        when = f" ({location.date[:10]})" if location.date else ""
        text = f"Also in {location.commit[:7]}{when}." if location.commit else "Also here."
        related.append({"id": number, **entry, "message": {"text": text}})
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

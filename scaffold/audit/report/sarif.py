"""SARIF 2.1.0 for the file-based failures that have a place (GitHub code scanning shows them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from scaffold import __version__
from scaffold.audit.checks import load_checks
from scaffold.audit.model import RepoAudit, Status

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_LEVEL = {1: "error", 2: "error", 3: "warning"}
_SEVERITY = {1: "8.0", 2: "7.0", 3: "4.0"}


def _rule(check_id: str) -> dict[str, Any]:
    check = next(c for c in load_checks() if c.id == check_id)
    return {
        "id": check.id,
        "name": "".join(part.capitalize() for part in check.id.split("-")),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": f"{check.item}. {check.how}"},
        "help": {
            "text": f"{check.fix} See {check.reference}.",
            "markdown": f"{check.fix}\n\nSee {check.reference}.",
        },
        "defaultConfiguration": {"level": _LEVEL[check.level]},
        "properties": {"level": check.level, "security-severity": _SEVERITY[check.level]},
    }


def _run(audit: RepoAudit) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    rules: list[str] = []
    for outcome in audit.outcomes:
        if outcome.status != Status.FAIL or outcome.check.source != "files":
            continue
        located = [loc for loc in outcome.verdict.locations if loc.path]
        for loc in located:
            if outcome.check.id not in rules:
                rules.append(outcome.check.id)
            region = {"startLine": loc.line} if loc.line else None
            physical: dict[str, Any] = {"artifactLocation": {"uri": loc.path.rstrip("/") or "."}}
            if region:
                physical["region"] = region
            results.append(
                {
                    "ruleId": outcome.check.id,
                    "ruleIndex": rules.index(outcome.check.id),
                    "level": _LEVEL[outcome.check.level],
                    "message": {"text": loc.message or outcome.verdict.reason},
                    "locations": [{"physicalLocation": physical}],
                    "partialFingerprints": {"scaffold-audit/v1": f"{outcome.check.id}:{loc.path}"},
                }
            )
    root = Path(audit.repository)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "scaffold-audit",
                "version": __version__,
                "informationUri": "https://github.com/scaffold-dev/scaffold",
                "rules": [_rule(r) for r in rules],
            }
        },
        "results": results,
    }
    if root.is_absolute():
        run["originalUriBaseIds"] = {"SRCROOT": {"uri": root.as_uri() + "/"}}
        for result in results:
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] = "SRCROOT"
    return run


def build(audits: Sequence[RepoAudit]) -> dict[str, Any]:
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [_run(a) for a in audits]}


def report(audits: Sequence[RepoAudit], out: TextIO) -> None:
    out.write(json.dumps(build(audits), indent=2, ensure_ascii=False) + "\n")

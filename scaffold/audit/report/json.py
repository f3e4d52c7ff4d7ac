"""The JSON report (schema: docs/schemas/audit-report.schema.json)."""

from __future__ import annotations

import json as _json
from collections.abc import Sequence
from typing import Any, TextIO

from scaffold import __version__
from scaffold.audit.model import LEVELS, Outcome, RepoAudit, Scope, Status

SCHEMA_VERSION = 1


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    check, verdict = outcome.check, outcome.verdict
    return {
        "id": check.id,
        "title": check.title,
        "level": check.level,
        "scope": check.scope.value,
        "source": check.source,
        "item": check.item,
        "status": verdict.status.value,
        "reason": verdict.reason,
        "locations": [
            {"path": loc.path, "line": loc.line, "message": loc.message}
            for loc in verdict.locations
        ],
        "fix": check.fix,
        "link": check.link,
    }


def repo_json(audit: RepoAudit) -> dict[str, Any]:
    counts = {status.value: audit.count(status) for status in Status}
    body: dict[str, Any] = {
        "repository": audit.repository,
        "level": audit.level,
        "level_name": LEVELS.get(audit.level, "not yet survivable"),
        "account_level": audit.account_level,
        "complete": not audit.incomplete,
        "counts": counts,
        "checks": [outcome_json(o) for o in audit.outcomes],
        "problems": list(audit.problems),
    }
    if "changes" in audit.extra:
        body["changes"] = _json.loads(audit.extra["changes"])
    return body


def build(audits: Sequence[RepoAudit]) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "scaffold", "version": __version__},
        "levels": {str(k): v for k, v in LEVELS.items()},
        "scopes": [s.value for s in Scope],
        "repositories": [repo_json(a) for a in audits],
    }


def report(audits: Sequence[RepoAudit], out: TextIO) -> None:
    out.write(_json.dumps(build(audits), indent=2, ensure_ascii=False) + "\n")

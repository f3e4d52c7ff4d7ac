"""Every scanner's report read into one shape: which secret, where, under which rule.

The detection benchmarks (bench_credfiles, bench_labelled) compare tools on what they report,
so each tool's JSON is parsed here once. Parsing is lenient about fields a version may add.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Reported:
    """One row of one tool's report."""

    tool: str
    rule: str
    secret: str
    path: str  # as the tool prints it (relative to the scanned root where it can)
    line: int  # 1-based line of the first character of the match
    commit: str = ""


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8", errors="replace").strip()
    return json.loads(text) if text else []


def _gitleaks(data: Any) -> Iterator[Reported]:
    for item in data or []:
        yield Reported(
            "gitleaks",
            str(item.get("RuleID", "")),
            str(item.get("Secret", "")),
            str(item.get("File", "")),
            int(item.get("StartLine", 0) or 0),
            str(item.get("Commit", "")),
        )


def _betterleaks(data: Any) -> Iterator[Reported]:
    # Betterleaks 2 writes {"schema_version", "findings": [...]}; 1.x wrote gitleaks' list.
    if isinstance(data, list):
        for row in _gitleaks(data):
            yield Reported("betterleaks", row.rule, row.secret, row.path, row.line, row.commit)
        return
    for item in data.get("findings", []):
        match, where = item.get("match", {}), item.get("location", {})
        yield Reported(
            "betterleaks",
            str(item.get("rule_id", "")),
            str(match.get("value") or match.get("full", "")),
            str(where.get("path", "")),
            int(where.get("start_line", 0) or 0),
            str(item.get("attributes", {}).get("git.sha", "")),
        )


def _kingfisher(data: Any) -> Iterator[Reported]:
    for item in data.get("findings", []):
        finding = item.get("finding", {})
        commit = (finding.get("git_metadata") or {}).get("commit") or {}
        yield Reported(
            "kingfisher",
            str(item.get("rule", {}).get("id", "")),
            str(finding.get("snippet", "")),
            str(finding.get("path", "")),
            int(finding.get("line", 0) or 0),
            str(commit.get("id", "")),
        )


def _scaffold(data: Any) -> Iterator[Reported]:
    # Schema 2: one row per secret (`secrets`, its places in `locations`); 1: one per finding.
    for repository in data.get("repositories", []):
        for finding in repository.get("secrets", repository.get("findings", [])):
            rule = finding.get("rule", {})
            rule_id = str(rule.get("id", "") if isinstance(rule, dict) else rule)
            places = finding.get("locations") or [finding]
            first = places[0]
            yield Reported(
                "scaffold",
                rule_id,
                str(finding.get("secret", "")),
                str(first.get("path", "")),
                int(first.get("line", 0) or 0),
                str(first.get("commit", "")),
            )


PARSERS: dict[str, Callable[[Any], Iterator[Reported]]] = {
    "scaffold": _scaffold,
    "gitleaks": _gitleaks,
    "betterleaks": _betterleaks,
    "kingfisher": _kingfisher,
}


def read_report(tool: str, path: Path) -> list[Reported]:
    """Every row of `tool`'s JSON report at `path` (a missing or empty report: no rows)."""
    if not path.exists():
        return []
    return list(PARSERS[tool](_load(path)))

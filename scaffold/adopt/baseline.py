"""The adopted repository's `.secrets.baseline`: what it already holds, recorded as known.

detect-secrets' own scan of the tracked files (so its hook passes on the existing tree), plus
the findings scaffold's rules make in files still at HEAD (so scaffold's hook and `scaffold
scan` treat them as known too). Hashes only: a baseline never holds a secret.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from scaffold.errors import ScaffoldError


def detect_secrets_document(root: Path) -> dict[str, Any]:
    from scaffold.adopt.tools import run_module

    out, problem = run_module("detect_secrets", "scan", cwd=root)
    if problem:
        raise ScaffoldError(f"detect-secrets scan failed in {root}: {problem}")
    document: dict[str, Any] = json.loads(out)
    return document


def scaffold_findings(root: Path) -> dict[str, Any]:
    from scaffold.report.baseline import build
    from scaffold.scan.engine import scan_repository
    from scaffold.scan.model import ScanOptions

    result = scan_repository(root, ScanOptions(jobs=0))
    at_head = tuple(f for f in result.findings if f.in_head)
    return build([replace(result, findings=at_head)])


def baseline_document(root: Path) -> tuple[dict[str, Any], int]:
    """The merged document and how many findings it records."""
    document = detect_secrets_document(root)
    results: dict[str, list[dict[str, Any]]] = document.setdefault("results", {})
    for filename, entries in scaffold_findings(root).get("results", {}).items():
        have = {(e.get("hashed_secret"), e.get("line_number")) for e in results.get(filename, [])}
        for entry in entries:
            if (entry.get("hashed_secret"), entry.get("line_number")) not in have:
                results.setdefault(filename, []).append(entry)
    for entries in results.values():
        entries.sort(key=lambda e: (e.get("line_number", 0), e.get("hashed_secret", "")))
    document["results"] = dict(sorted(results.items()))
    return document, sum(len(v) for v in results.values())

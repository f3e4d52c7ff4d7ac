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

SCAFFOLD_ONLY = " (found by scaffold)"  # a baseline name for what only scaffold's rules find


def detect_secrets_document(root: Path) -> dict[str, Any]:
    from scaffold.adopt.tools import run_module

    out, problem = run_module("detect_secrets", "scan", cwd=root)
    if problem:
        raise ScaffoldError(f"detect-secrets scan failed in {root}: {problem}")
    document: dict[str, Any] = json.loads(out)
    return document


def scaffold_findings(root: Path) -> dict[str, Any]:
    """scaffold's findings in the files as they are at HEAD (the tree is clean), at the lines
    they have there: what both hooks will see on the next commit."""
    from scaffold.gitexec import Git
    from scaffold.report.baseline import build
    from scaffold.scan.engine import scan
    from scaffold.scan.model import ScanOptions
    from scaffold.scan.sources.staged import StagedSource

    with Git(root) as git:
        listed = git.output("ls-files", "-z").split(b"\0")
    tracked = [name.decode("utf-8", "surrogateescape") for name in listed if name]
    options = ScanOptions(jobs=0)
    result = scan(StagedSource(root, options, tracked), options)
    return build([replace(result, findings=tuple(result.findings))])


def baseline_document(root: Path) -> tuple[dict[str, Any], int]:
    """The merged document and how many findings it records."""
    document = detect_secrets_document(root)
    results: dict[str, list[dict[str, Any]]] = document.setdefault("results", {})
    for filename, entries in scaffold_findings(root).get("results", {}).items():
        have = {e.get("hashed_secret") for e in results.get(filename, [])}
        for entry in entries:
            if entry.get("hashed_secret") in have:
                continue
            # detect-secrets' hook drops entries of a scanned file that its own plugins do
            # not find there; under a name that is no file it keeps them, and scaffold reads
            # a baseline by hash, whatever the file
            place = f"{filename}{SCAFFOLD_ONLY}"
            results.setdefault(place, []).append({**entry, "filename": place})
    for entries in results.values():
        entries.sort(key=lambda e: (e.get("line_number", 0), e.get("hashed_secret", "")))
    document["results"] = dict(sorted(results.items()))
    return document, sum(len(v) for v in results.values())

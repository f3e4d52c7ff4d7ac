"""Accept staged findings as known: merge their hashes into a detect-secrets baseline.

Accepted entries are filed under the baseline's own name rather than the file the secret is in.
detect-secrets' pre-commit hook rewrites the baseline for every file it scans and drops the
entries it cannot find itself (any scaffold-only finding); it never scans the baseline, and
`detect-secrets scan --baseline` only drops entries of files that no longer exist, so entries
filed there survive both. scaffold matches baseline entries by hash in any file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from scaffold.scan.model import ScanResult


def accepted_entries(result: ScanResult, key: str) -> list[dict[str, Any]]:
    """One baseline entry per distinct (type, secret): audited as not a secret by the user.

    The type is detect-secrets' name for it (its `audit` crashes on a type it has no plugin for).
    """
    from scaffold.report.baseline import detect_secrets_type
    from scaffold.scan.baseline import hash_secret

    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for finding in result.findings:
        hashed = hash_secret(finding.match.secret)
        kind = detect_secrets_type(finding.rule.id)
        entries.setdefault(
            (kind, hashed),
            {
                "type": kind,
                "filename": key,
                "hashed_secret": hashed,
                "is_secret": False,
                "is_verified": False,
            },
        )
    return [entries[k] for k in sorted(entries)]


def add_to_baseline(target: Path, result: ScanResult) -> int:
    """Add findings the baseline does not hold yet; return how many entries were added.

    The file keeps detect-secrets' format (hashes only), so its own tools still read it.
    """
    from scaffold.report.baseline import build
    from scaffold.scan.baseline import Baseline

    key = target.name
    if target.exists():
        known = Baseline.load(target)  # one clear error if the existing file is broken
        document: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
        hashes = known.hashed_secrets
    else:
        document = build([])  # an empty baseline with detect-secrets' default settings
        hashes = frozenset()
    results: dict[str, list[dict[str, Any]]] = document["results"]
    new = [e for e in accepted_entries(result, key) if e["hashed_secret"] not in hashes]
    if new:
        results.setdefault(key, []).extend(new)
    document["results"] = dict(sorted(results.items()))
    _write(target, document)
    return len(new)


def _write(target: Path, document: dict[str, Any]) -> None:
    # temp file + rename: an interrupted update never leaves half a baseline
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(document, indent=2) + "\n")
        os.replace(temp, target)
    finally:
        Path(temp).unlink(missing_ok=True)

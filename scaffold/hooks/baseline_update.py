"""Accept staged findings as known: merge their hashes into a detect-secrets baseline."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from scaffold.scan.model import ScanResult


def add_to_baseline(target: Path, result: ScanResult) -> int:
    """Add findings the baseline does not hold yet; return how many entries were added.

    The file keeps detect-secrets' format (hashes only), so `detect-secrets audit` still works.
    """
    from scaffold.report.baseline import Baseline, build

    fresh = build([result])
    if not target.exists():
        added = sum(len(entries) for entries in fresh["results"].values())
        _write(target, fresh)
        return added
    known = Baseline.load(target)  # one clear error if the existing file is broken
    document: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    results: dict[str, list[dict[str, Any]]] = document["results"]
    added = 0
    for filename, entries in fresh["results"].items():
        for entry in entries:
            if entry["hashed_secret"] in known.hashed_secrets:
                continue
            have = results.setdefault(filename, [])
            if all(e.get("hashed_secret") != entry["hashed_secret"] for e in have):
                have.append(entry)
                added += 1
    document["results"] = dict(sorted(results.items()))
    _write(target, document)
    return added


def _write(target: Path, document: dict[str, Any]) -> None:
    # temp file + rename: an interrupted update never leaves half a baseline
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(document, indent=2) + "\n")
        os.replace(temp, target)
    finally:
        Path(temp).unlink(missing_ok=True)

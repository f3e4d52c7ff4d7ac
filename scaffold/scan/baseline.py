"""What a detect-secrets baseline holds, read as data: the hashed secrets it already knows.

A scan leaves out what the baseline knows (scaffold/scan/findings.py); writing a baseline is a
report format (scaffold/report/baseline.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.scan.model import Match


def hash_secret(secret: str) -> str:
    """The identity detect-secrets stores instead of the secret: sha1 of its UTF-8 bytes."""
    return hashlib.sha1(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Baseline:
    """An existing detect-secrets baseline, read as data only.

    We never hand the file to detect-secrets' loader: a baseline can name plugin or filter files
    (`file://...`) that the loader would import, and a scanned repository's files are never run.
    """

    path: Path
    hashed_secrets: frozenset[str]
    files: frozenset[str]

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"baseline {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read baseline {path}: {exc}") from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"baseline {path} is not valid JSON (line {exc.lineno}, column {exc.colno}): "
                f"{exc.msg}"
            ) from None
        hashes, files = _parse(document, path)
        return cls(path=path, hashed_secrets=frozenset(hashes), files=frozenset(files))

    def suppresses(self, match: Match) -> bool:
        """Known to the baseline, whatever file it is in now (audited true or false alike)."""
        return hash_secret(match.secret) in self.hashed_secrets


def _parse(document: Any, path: Path) -> tuple[set[str], set[str]]:
    def broken(why: str) -> UsageError:
        return UsageError(f"baseline {path} is not a detect-secrets baseline: {why}")

    if not isinstance(document, dict):
        raise broken("expected a JSON object at the top")
    if not isinstance(document.get("version", ""), str):
        raise broken('"version" must be a string')
    results = document.get("results")
    if not isinstance(results, dict):
        raise broken('"results" must be an object keyed by file name')
    hashes: set[str] = set()
    for filename, entries in results.items():
        if not isinstance(entries, list):
            raise broken(f'"results" entry for {filename!r} must be a list')
        for entry in entries:
            hashed = entry.get("hashed_secret") if isinstance(entry, dict) else None
            if not isinstance(hashed, str) or not hashed:
                raise broken(f'an entry for {filename!r} has no "hashed_secret" string')
            hashes.add(hashed.lower())
    return hashes, set(results)

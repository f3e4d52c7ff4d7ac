"""detect-secrets baselines: write our findings as a `.secrets.baseline`, read one to suppress."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from scaffold.errors import UsageError
from scaffold.report.common import (
    finding_path,
    generated_at,
    scrub,
    sorted_findings,
    sorted_results,
)
from scaffold.scan.model import Finding, Match, ScanResult, SourceKind

# filter detect-secrets' own `scan` adds on top of its defaults (verification on, any level)
_VERIFICATION_FILTER = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"


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


def report(results: Sequence[ScanResult], out: TextIO, *, show_secrets: bool = False) -> None:
    """Write a `.secrets.baseline` detect-secrets reads; it holds sha1 hashes, never secrets."""
    del show_secrets  # a baseline is committed to the repository: hashes only, always
    out.write(json.dumps(build(results), indent=2) + "\n")


def build(results: Sequence[ScanResult], *, timestamp: str | None = None) -> dict[str, Any]:
    """The baseline document, formatted by detect-secrets' own code with its default settings.

    `timestamp` (detect-secrets' `generated_at`) defaults to now, or to SOURCE_DATE_EPOCH.
    """
    from detect_secrets.constants import VerifiedResult
    from detect_secrets.core.baseline import format_for_output
    from detect_secrets.core.potential_secret import PotentialSecret
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings, get_settings

    collection = SecretsCollection()
    for result in sorted_results(results):
        for finding in sorted_findings(result.findings):
            for filename in baseline_filenames(finding):
                collection[filename].add(
                    PotentialSecret(
                        type=finding.rule.id,
                        filename=filename,
                        secret=finding.match.secret,
                        line_number=finding.match.line,
                    )
                )
    # the same plugins and filters `detect-secrets scan` records, so its own tools accept the file
    with default_settings():
        get_settings().filters[_VERIFICATION_FILTER] = {
            "min_level": VerifiedResult.UNVERIFIED.value
        }
        document: dict[str, Any] = format_for_output(collection)
    document["generated_at"] = timestamp or generated_at()
    return document


def baseline_filenames(finding: Finding) -> list[str]:
    """Every path the secret was introduced at; commit messages get a `commit:<id>` name."""
    if finding.source is SourceKind.COMMIT_MESSAGE:
        return [f"commit:{finding.object_id}"]
    # a path can hold the secret itself (a token as a file name): never write it out
    paths = sorted({scrub(p.path, finding.match.secret) for p in finding.provenance if p.path})
    return paths or [finding_path(finding) or f"blob:{finding.object_id}"]

"""scaffold-secrets: the commit hooks' scans, through the scan engine's staged and message
sources (the same matcher, findings stage and baseline as `scaffold scan`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scaffold.scan.engine import scan
from scaffold.scan.model import DEFAULT_BASELINE, ScanOptions, ScanResult
from scaffold.scan.sources.message import MessageSource
from scaffold.scan.sources.staged import StagedSource

DEFAULT_MAX_SIZE = 5 * 1024 * 1024  # commit time: a 5 MB staged file is data, not config


def default_baseline(root: Path) -> Path | None:
    candidate = root / DEFAULT_BASELINE
    return candidate if candidate.is_file() else None


def scan_staged(
    start: Path, options: ScanOptions, paths: Sequence[str] | None = None
) -> ScanResult:
    """Findings in the index blobs a commit would record (all staged changes, or `paths`)."""
    return scan(StagedSource(start, options, paths), options)


def scan_message(root: Path, raw: bytes, options: ScanOptions) -> ScanResult:
    """Findings in a commit message about to be recorded (the commit-msg hook)."""
    return scan(MessageSource(root, raw, options), options)

"""scaffold-secrets: scan what is about to be committed (the index) with scaffold's Detector."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.hooks.gitcmd import repository_root
from scaffold.hooks.staged import (
    BlobRead,
    StagedFile,
    index_entries,
    read_blobs,
    staged_changes,
)
from scaffold.scan.model import (
    DEFAULT_BASELINE,
    Finding,
    Match,
    Provenance,
    RuleInfo,
    ScanResult,
    ScanStats,
    Severity,
    Skipped,
    SourceKind,
)

if TYPE_CHECKING:
    from scaffold.hooks.quickrules import Matcher

DEFAULT_MAX_SIZE = 5 * 1024 * 1024  # commit time: a 5 MB staged file is data, not config
READ_AHEAD_LIMIT = 32 * 1024 * 1024  # past this much staged content, use every rule, streaming


@dataclass(frozen=True)
class StagedScanOptions:
    paths: tuple[str, ...] | None = None  # None: every staged change; else these index paths
    baseline: Path | None = None
    max_size: int = DEFAULT_MAX_SIZE
    engine: str = "python"  # tiny inputs: the pure-Python prefilter starts fastest (measured)
    extra_rules: tuple[Path, ...] = ()


def default_baseline(root: Path) -> Path | None:
    candidate = root / DEFAULT_BASELINE
    return candidate if candidate.is_file() else None


def _detector(
    options: StagedScanOptions, contents: Sequence[bytes] | None
) -> tuple[Matcher, tuple[RuleInfo, ...]]:
    """A Detector narrowed to `contents` (None: every rule, for large inputs), and the
    metadata of every rule (reports list all active rules, not only the narrowed ones)."""
    from scaffold.hooks.quickrules import detector_for
    from scaffold.scan.detect import Detector
    from scaffold.scan.rulecache import cached_ruleset

    if contents is None:
        ruleset = cached_ruleset(options.extra_rules)
        return Detector(ruleset, engine=options.engine), ruleset.infos()
    detector, ruleset = detector_for(contents, options.extra_rules, options.engine)
    return detector, ruleset.infos()


def scan_staged(start: Path, options: StagedScanOptions) -> ScanResult:
    """Findings in the index blobs a commit would record, with the baseline applied."""
    started = time.monotonic()
    root = repository_root(start)
    suppresses = None
    if options.baseline is not None:
        from scaffold.report.baseline import Baseline

        suppresses = Baseline.load(options.baseline).suppresses
    files = staged_changes(root) if options.paths is None else index_entries(root, options.paths)
    # the baseline holds sha1 hashes of accepted secrets, which look like secrets themselves
    skip = {DEFAULT_BASELINE.encode()}
    if options.baseline is not None and options.baseline.resolve().is_relative_to(root.resolve()):
        skip.add(os.fsencode(options.baseline.resolve().relative_to(root.resolve()).as_posix()))
    files = [f for f in files if f.path not in skip]
    by_blob: dict[str, list[StagedFile]] = {}
    for f in files:
        by_blob.setdefault(f.blob, []).append(f)
    reads = read_blobs(root, list(by_blob), options.max_size)
    # read ahead (bounded) so the Detector is built only for rules this change can trigger
    ahead: list[BlobRead] = []
    total = 0
    for read in reads:
        ahead.append(read)
        total += len(read.content or b"")
        if total > READ_AHEAD_LIMIT:
            break
    exhausted = total <= READ_AHEAD_LIMIT
    contents = [r.content for r in ahead if r.content is not None] if exhausted else None
    detector, rules = _detector(options, contents)
    infos = {info.id: info for info in rules}
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    suppressed = scanned = size_total = 0
    for read in itertools.chain(ahead, reads):
        places = by_blob.get(read.blob, [])
        if read.content is None:
            reason = "missing object" if read.size < 0 else f"larger than {options.max_size} bytes"
            skipped += [Skipped(read.blob, reason, f.name, max(read.size, 0)) for f in places]
            continue
        scanned += 1
        size_total += read.size
        for match in detector.scan(read.content):
            if suppresses is not None and suppresses(match):
                suppressed += len(places)
                continue
            rule = infos.get(match.rule_id) or _unknown(match)
            findings += [_finding(match, rule, f, root) for f in places]
    return ScanResult(
        repository=root.name,
        findings=tuple(findings),
        rules=rules,
        stats=ScanStats(scanned, size_total, 0, round(time.monotonic() - started, 3)),
        skipped=tuple(skipped),
        suppressed=suppressed,
        extra={"engine": detector.engine_name, "scope": "staged"},
    )


def _finding(match: Match, rule: RuleInfo, staged: StagedFile, root: Path) -> Finding:
    return Finding(
        match=match,
        rule=rule,
        source=SourceKind.STAGED,
        object_id=staged.blob,
        repository=root.name,
        provenance=(
            Provenance(commit="", path=staged.name, author_name="", author_email="", date=""),
        ),
    )


def _unknown(match: Match) -> RuleInfo:
    return RuleInfo(match.rule_id, match.rule_id, "unknown", Severity.HIGH, "Revoke and rotate it.")


MESSAGE_NAME = "commit message"


def message_text(raw: bytes) -> bytes:
    """The message git will record: its `#` comment lines blanked (line numbers kept)."""
    return b"\n".join(b"" if line.startswith(b"#") else line for line in raw.split(b"\n"))


def scan_message(start: Path, raw: bytes, options: StagedScanOptions) -> ScanResult:
    """Findings in a commit message about to be recorded (the commit-msg hook)."""
    started = time.monotonic()
    root = repository_root(start)
    suppresses = None
    if options.baseline is not None:
        from scaffold.report.baseline import Baseline

        suppresses = Baseline.load(options.baseline).suppresses
    text = message_text(raw)
    detector, rules = _detector(options, [text])
    infos = {info.id: info for info in rules}
    findings: list[Finding] = []
    suppressed = 0
    place = Provenance(commit="", path=MESSAGE_NAME, author_name="", author_email="", date="")
    for match in detector.scan(text):
        if suppresses is not None and suppresses(match):
            suppressed += 1
            continue
        rule = infos.get(match.rule_id) or _unknown(match)
        findings.append(Finding(match, rule, SourceKind.COMMIT_MESSAGE, "", root.name, (place,)))
    return ScanResult(
        repository=root.name,
        findings=tuple(findings),
        rules=rules,
        stats=ScanStats(0, len(raw), 1, round(time.monotonic() - started, 3)),
        suppressed=suppressed,
        extra={"engine": detector.engine_name, "scope": "commit-message"},
    )

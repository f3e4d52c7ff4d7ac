"""Range scans for CI: only what the commits in `A..B` introduced, blobs and messages.

The selection, precisely: C = the commits reachable from B and not from A (`git rev-list A..B`,
all of them, merges included). Scanned are (1) every blob that some commit in C records as
added or modified on any path, compared with each of its parents (`diff-tree -m`: a merge's
own changes and what it brings in from each side), or with the empty tree for a root commit;
and (2) the messages of the commits in C. A blob that already existed before A on one path
and is copied to another path inside the range is scanned, because that copy is a change in
the range. Blobs are scanned once however many paths and commits carry them.
"""

from __future__ import annotations

import argparse
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.errors import RepositoryError, UsageError
from scaffold.hooks.gitcmd import GITLINK_MODE, SYMLINK_MODE
from scaffold.hooks.staged import read_blobs
from scaffold.scan.git import Git, display_name, first_line, open_repository
from scaffold.scan.model import (
    DEFAULT_MAX_BLOB_SIZE,
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
from scaffold.scan.provenance import parse_commit

if TYPE_CHECKING:
    from scaffold.scan.engine import ScanOptions

_OID = re.compile(rb"^[0-9a-f]{40}([0-9a-f]{24})?$")


@dataclass(frozen=True)
class RangeSelection:
    """What a range introduced: its commits (oldest first) and each new blob's places."""

    base: str | None  # None: no lower bound (every ancestor of the tip)
    tip: str
    commits: tuple[str, ...]
    blobs: dict[str, tuple[tuple[str, str], ...]]  # blob -> ((commit, path), ...) oldest first


def parse_range(text: str) -> tuple[str | None, str]:
    """`A..B` into (A, B); `A..` means A..HEAD and `B` alone means everything up to B."""
    if "..." in text:
        raise UsageError(f"--range {text!r}: use A..B (two dots), the commits in B and not in A")
    if ".." not in text:
        return None, text or "HEAD"
    base, _, tip = text.partition("..")
    if not base:
        raise UsageError(f"--range {text!r}: the start of the range is missing")
    return base, tip or "HEAD"


def _resolve(git: Git, ref: str) -> str:
    proc = git.run(
        "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False
    )
    sha = proc.stdout.decode().strip()
    if proc.returncode != 0 or not sha:
        raise RepositoryError(
            f"{ref!r} is not a commit in this repository (in CI, fetch the full history: "
            "actions/checkout with fetch-depth: 0)"
        )
    return sha


def select_range(git: Git, base: str | None, tip: str) -> RangeSelection:
    """The commits of `base..tip` and every blob they add or modify (see the module doc)."""
    tip_sha = _resolve(git, tip)
    base_sha = _resolve(git, base) if base is not None else None
    spec = [tip_sha] + ([f"^{base_sha}"] if base_sha else [])
    listed = git.output("rev-list", "--reverse", "--topo-order", *spec, "--")
    commits = tuple(listed.decode().split())
    diff = git.run(
        "diff-tree",
        "--stdin",
        "-r",
        "-m",
        "--root",
        "--raw",
        "-z",
        "--no-abbrev",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        "--diff-filter=AMT",
        input="".join(f"{c}\n" for c in commits).encode(),
        check=False,
    )
    if diff.returncode != 0:
        raise RepositoryError(f"git diff-tree failed: {first_line(diff.stderr)}")
    places: dict[str, list[tuple[str, str]]] = {}
    tokens = diff.stdout.split(b"\0")
    commit = ""
    i = 0
    while i < len(tokens):
        token = tokens[i].strip(b"\n")
        i += 1
        if _OID.match(token):
            commit = token.decode()
        elif token.startswith(b":") and i < len(tokens):
            path = tokens[i]
            i += 1
            _, mode, _, blob, _ = token[1:].decode().split(" ")
            if mode in (GITLINK_MODE, SYMLINK_MODE):
                continue  # another repository, or a link target: no content of ours
            seen = places.setdefault(blob, [])
            place = (commit, path.decode("utf-8", "backslashreplace"))
            if place not in seen:
                seen.append(place)
    return RangeSelection(
        base=base_sha,
        tip=tip_sha,
        commits=commits,
        blobs={blob: tuple(p) for blob, p in places.items()},
    )


@dataclass(frozen=True)
class RangeOptions:
    max_blob_size: int = DEFAULT_MAX_BLOB_SIZE
    engine: str = "auto"
    baseline: Path | None = None
    extra_rules: tuple[Path, ...] = ()


def scan_range(path: Path, base: str | None, tip: str, options: RangeOptions) -> ScanResult:
    """Scan what `base..tip` introduced; findings carry the range commit and path."""
    from scaffold.scan.detect import Detector
    from scaffold.scan.rules import load_rules

    started = time.monotonic()
    suppress = None
    if options.baseline is not None:
        from scaffold.report.baseline import Baseline

        suppress = Baseline.load(options.baseline).suppresses
    ruleset = load_rules(options.extra_rules)
    detector = Detector(ruleset, engine=options.engine)
    infos = {info.id: info for info in ruleset.infos()}
    git, info = open_repository(path)
    with git:
        name = display_name(info)
        selection = select_range(git, base, tip)
        commits: dict[str, Provenance] = {}
        findings: list[Finding] = []
        suppressed = 0
        # commit messages first: their metadata also dates the blob findings
        for read in read_blobs(git, selection.commits, 1 << 24):
            if read.content is None:
                continue
            prov, message, _ = parse_commit(read.blob, read.content)
            commits[read.blob] = prov
            for match in detector.scan(message):
                if suppress is not None and suppress(match):
                    suppressed += 1
                    continue
                findings.append(
                    Finding(
                        match,
                        _rule(infos, match),
                        SourceKind.COMMIT_MESSAGE,
                        read.blob,
                        name,
                        (prov,),
                    )
                )
        skipped: list[Skipped] = []
        scanned = size = 0
        blob_ids = list(selection.blobs)
        for read in read_blobs(git, blob_ids, options.max_blob_size):
            places = selection.blobs.get(read.blob, ())
            first_path = places[0][1] if places else ""
            if read.content is None:
                reason = (
                    "missing object"
                    if read.size < 0
                    else f"larger than {options.max_blob_size} bytes"
                )
                skipped.append(Skipped(read.blob, reason, first_path, max(read.size, 0)))
                continue
            scanned += 1
            size += read.size
            provenance = tuple(_place(commits.get(c), c, p) for c, p in places)
            for match in detector.scan(read.content):
                if suppress is not None and suppress(match):
                    suppressed += 1
                    continue
                findings.append(
                    Finding(
                        match, _rule(infos, match), SourceKind.BLOB, read.blob, name, provenance
                    )
                )
    base_text = selection.base[:12] if selection.base else "(root)"
    return ScanResult(
        repository=name,
        findings=tuple(findings),
        rules=ruleset.infos(),
        stats=ScanStats(
            scanned, size, len(selection.commits), round(time.monotonic() - started, 3)
        ),
        skipped=tuple(skipped),
        suppressed=suppressed,
        extra={"engine": detector.engine_name, "range": f"{base_text}..{selection.tip[:12]}"},
    )


def _place(commit: Provenance | None, sha: str, path: str) -> Provenance:
    if commit is None:
        return Provenance(sha, path, "", "", "")
    return Provenance(
        sha, path, commit.author_name, commit.author_email, commit.date, commit.summary
    )


def _rule(infos: dict[str, RuleInfo], match: Match) -> RuleInfo:
    return infos.get(match.rule_id) or RuleInfo(
        match.rule_id, match.rule_id, "unknown", Severity.MEDIUM, ""
    )


def add_scope_arguments(parser: argparse.ArgumentParser) -> None:
    """`scaffold scan` flags that narrow a scan to the index or to a commit range."""
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "--staged",
        action="store_true",
        help="scan only what the next commit would record (the index), as the pre-commit hook does",
    )
    scope.add_argument(
        "--since",
        metavar="REF",
        help="scan only what the commits in REF..HEAD introduced (blobs and messages)",
    )
    scope.add_argument(
        "--range",
        metavar="A..B",
        dest="commit_range",
        help="scan only what the commits in A..B introduced, e.g. a pull request's base..head",
    )


def scan_scope(args: argparse.Namespace, path: Path, options: ScanOptions) -> ScanResult | None:
    """The narrowed scan `--staged`/`--since`/`--range` asked for, or None for a full scan."""
    if getattr(args, "staged", False):
        from scaffold.hooks.secrets import StagedScanOptions, scan_staged

        staged = StagedScanOptions(
            baseline=options.baseline,
            max_size=options.max_blob_size,
            engine=options.engine,
            extra_rules=options.extra_rules,
        )
        return scan_staged(path, staged)
    since: str | None = getattr(args, "since", None)
    commit_range: str | None = getattr(args, "commit_range", None)
    if since is None and commit_range is None:
        return None
    base, tip = (since, "HEAD") if since is not None else parse_range(commit_range or "")
    narrowed = RangeOptions(
        max_blob_size=options.max_blob_size,
        engine=options.engine,
        baseline=options.baseline,
        extra_rules=options.extra_rules,
    )
    return scan_range(path, base, tip, narrowed)

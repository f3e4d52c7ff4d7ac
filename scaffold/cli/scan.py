"""`scaffold scan`: scan a repository's whole history (or a range, the index, a directory)."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.errors import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, scan_exit_code
from scaffold.report import FORMATS
from scaffold.scan.model import DEFAULT_MAX_BLOB_SIZE, ScanOptions

if TYPE_CHECKING:
    from scaffold.scan.engine import ScanProgress
    from scaffold.scan.grouping import View
    from scaffold.scan.model import Context, ScanResult
    from scaffold.scan.sources import Source

HELP = "Scan every commit, branch, tag and stash of a git repository for secrets."

ENGINES = ("auto", "hyperscan", "python")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}

EPILOG = f"""\
examples:
  scaffold scan                        the whole history of the repository here
  scaffold scan --range main..HEAD     only what a pull request's commits introduced
  scaffold scan --staged               what the next commit would record
  scaffold scan ./build                a plain directory (not a repository): its files
  scaffold scan --repositories ~/src   every repository below ~/src, history and all
  scaffold scan --format sarif -o scan.sarif
  scaffold scan --github-org acme --datastore scan.db

exit codes:
  {EXIT_OK}  nothing found
  {EXIT_FINDINGS}  secrets found
  {EXIT_USAGE}  bad input: arguments, paths, repositories (one line says which)
  {EXIT_INCOMPLETE}  incomplete: findings (if any) are listed, but part of what was asked for
     was not read (a missing or corrupt object, a file over --max-blob-size, an archive
     that could not be opened, a repository that failed)
"""


def parse_size(text: str) -> int:
    """`10M`, `512k`, `1.5G` or plain bytes; powers of 1024, as git and du count."""
    match = _SIZE.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 10M, 512K or 1G)")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def parse_jobs(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a number of jobs: {text!r} (0 = all cores)")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument(
        "path",
        nargs="?",
        default=".",
        type=Path,
        help="repository to scan, or a directory or file that is not one (default: .)",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="terminal", help="report format (default: terminal)"
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="write the report to FILE instead of stdout",
    )
    parser.add_argument("--force", action="store_true", help="let --output replace a file")
    parser.add_argument(
        "--show-secrets", action="store_true", help="print secrets in full (default: redacted)"
    )
    baseline = parser.add_mutually_exclusive_group()
    baseline.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="detect-secrets baseline of known secrets to leave out "
        "(default: .secrets.baseline at the repository root, if present)",
    )
    baseline.add_argument(
        "--no-baseline", action="store_true", help="report everything, even known secrets"
    )
    parser.add_argument(
        "--include-unreachable",
        action="store_true",
        help="also scan objects no ref reaches (dropped stashes, rewritten history)",
    )
    parser.add_argument(
        "--max-blob-size",
        type=parse_size,
        default=DEFAULT_MAX_BLOB_SIZE,
        metavar="SIZE",
        help="skip (and list, as incomplete) content larger than SIZE, e.g. 1G (default: 512M); "
        "below it, large content is scanned in bounded windows",
    )
    parser.add_argument(
        "--jobs", type=parse_jobs, default=0, metavar="N", help="worker processes (0 = all cores)"
    )
    parser.add_argument(
        "--engine", choices=ENGINES, default="auto", help="matching engine (default: auto)"
    )
    parser.add_argument(
        "--rules",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="extra rule file (TOML); repeat for more",
    )
    parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    shown = parser.add_argument_group(
        "what the report shows (by default: what a person should act on)"
    )
    shown.add_argument(
        "--confidence",
        choices=("high", "medium", "low"),
        default="medium",
        help="the least confident findings to show: low adds generic assignments and entropy "
        "matches (default: medium; provider-format credentials always show)",
    )
    shown.add_argument(
        "--include-context",
        type=_contexts,
        default=frozenset(),
        metavar="LIST",
        help="also show medium-confidence findings in these kinds of file: tests, docs, "
        "vendored, generated, or all (comma-separated)",
    )
    shown.add_argument(
        "--all-refs",
        action="store_true",
        help="list every ref a secret is reachable from (default: a count and a few)",
    )
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
    from scaffold.cli.org import add_org_arguments  # several targets, organisations, datastore

    add_org_arguments(parser)
    from scaffold.verify.cli import add_verify_arguments  # --verify: opt-in provider checks

    add_verify_arguments(parser)


def _contexts(text: str) -> frozenset[Context]:
    from scaffold.scan.grouping import parse_contexts

    try:
        return parse_contexts(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def view_from(args: argparse.Namespace) -> View:
    """What the report shows, from --confidence and --include-context."""
    from scaffold.scan.grouping import View
    from scaffold.scan.model import Confidence, Context

    return View(Confidence(args.confidence), frozenset({Context.SOURCE, *args.include_context}))


def options_from(args: argparse.Namespace, baseline: Path | None) -> ScanOptions:
    return ScanOptions(
        max_blob_size=args.max_blob_size,
        engine=args.engine,
        jobs=args.jobs,
        baseline=baseline,
        extra_rules=tuple(args.rules),
        include_unreachable=args.include_unreachable,
    )


def _source(args: argparse.Namespace, options: ScanOptions) -> Source:
    """The source the flags and the path ask for."""
    path: Path = args.path
    if args.staged:
        from scaffold.scan.sources.staged import StagedSource

        return StagedSource(path, options)
    if args.since is not None or args.commit_range is not None:
        from scaffold.scan.sources.range import RangeSource, parse_range

        base, tip = (args.since, "HEAD") if args.since else parse_range(args.commit_range)
        return RangeSource(path, base, tip, options)
    from scaffold.org.targets import is_repository

    if path.exists() and not _in_repository(path, is_repository):
        from scaffold.cli.org import repositories_below
        from scaffold.report.common import plural
        from scaffold.scan.sources.directory import DirectorySource

        held = repositories_below(path)
        if held:
            print(
                f"note: {path} is not a git repository; its files are scanned as plain files. "
                f"It holds {plural(held, 'repository')}: add --repositories to scan their "
                "histories.",
                file=sys.stderr,
            )
        return DirectorySource(path, options)
    from scaffold.scan.sources.history import HistorySource

    return HistorySource(path, options)


def _in_repository(path: Path, is_repository: Callable[[Path], bool]) -> bool:
    """Whether `path` is a repository or lies inside a work tree (then it is that history)."""
    start = path.resolve() if path.is_dir() else path.resolve().parent
    return any(is_repository(p) for p in (start, *start.parents))


def run(args: argparse.Namespace) -> int:
    from scaffold.cli.org import run_org, wants_org

    if wants_org(args):  # more than one target, an org flag, a datastore: docs/org-scan.md
        return run_org(args)
    from scaffold.report import REPORTERS
    from scaffold.report.output import check_output, emit
    from scaffold.scan.engine import default_baseline, scan

    output: Path | None = args.output
    check_output(output, force=args.force)
    baseline: Path | None = None
    if args.baseline is not None:
        baseline = args.baseline
    elif not args.no_baseline and args.format != "baseline" and not _plain(args.path):
        # regenerating a baseline must keep what it already lists, so it is not applied by default
        baseline = default_baseline(args.path)
    options = options_from(args, baseline)
    source = _source(args, options)
    show_progress = not args.no_progress and sys.stderr.isatty()
    with _progress(show_progress) as progress:
        result = scan(source, options, progress=progress)
    from scaffold.verify.cli import verify_result

    result = verify_result(result, args, args.path)
    if args.format != "terminal" or output is not None:
        _warn(result)
    reporter = REPORTERS[args.format]
    view = view_from(args)
    emit(
        lambda out: reporter(
            [result], out, show_secrets=args.show_secrets, view=view, all_refs=args.all_refs
        ),
        output,
        force=args.force,
    )
    if args.format == "baseline":  # the job was writing the baseline, and it is written
        return EXIT_OK if result.complete else EXIT_INCOMPLETE
    from scaffold.scan.grouping import group

    shown, _held = view.split(group(result))
    return scan_exit_code(findings=bool(shown), complete=result.complete)


def _plain(path: Path) -> bool:
    from scaffold.org.targets import is_repository

    return path.exists() and not _in_repository(path, is_repository)


def _warn(result: ScanResult) -> None:
    """The terminal report shows these itself; other formats get them on stderr."""
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for gap in result.gaps:
        print(f"incomplete: {gap}", file=sys.stderr)
    for item in result.skipped:
        print(f"not scanned: {item.place} ({item.reason})", file=sys.stderr)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[ScanProgress], None] | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (
        TextColumn("scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("objects  {task.fields[rate]}"),
    )
    # Shown from the first update on: its refresh thread must not exist yet when the scan
    # forks its workers (pool.may_fork).
    bar = Progress(*columns, console=Console(stderr=True), transient=True)
    task = bar.add_task("scan", total=None, rate="")

    def update(state: ScanProgress) -> None:
        if not bar.live.is_started:
            bar.start()
        mb = state.bytes_done / (1 << 20)
        rate = (
            f"{mb:.1f} MB/s"
            if state.seconds <= 0
            else f"{mb:.1f} MB, {mb / state.seconds:.1f} MB/s"
        )
        bar.update(task, completed=state.objects_done, total=state.objects_total, rate=rate)

    try:
        yield update
    finally:
        if bar.live.is_started:
            bar.stop()

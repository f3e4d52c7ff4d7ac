"""`scaffold scan`: scan a repository's whole git history for secrets and report them."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.errors import EXIT_FINDINGS, EXIT_OK
from scaffold.scan.model import DEFAULT_MAX_BLOB_SIZE

if TYPE_CHECKING:
    from scaffold.scan.engine import ScanProgress

HELP = "Scan every commit, branch, tag and stash of a git repository for secrets."

FORMATS = ("terminal", "json", "sarif", "baseline", "html")
ENGINES = ("auto", "hyperscan", "python")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


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
    parser.add_argument(
        "path", nargs="?", default=".", type=Path, help="repository to scan (default: .)"
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="terminal", help="report format (default: terminal)"
    )
    parser.add_argument(
        "--output", type=Path, metavar="FILE", help="write the report to FILE instead of stdout"
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
        help="skip (and list) blobs larger than SIZE, e.g. 10M (default: 20M)",
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
    from scaffold.scan.ranges import add_scope_arguments  # --staged, --since, --range (hooks)

    add_scope_arguments(parser)
    from scaffold.org.cli import add_org_arguments  # several targets, organisations, datastore

    add_org_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from scaffold.org.cli import run_org, wants_org

    if wants_org(args):  # more than one target, an org flag, a datastore: docs/org-scan.md
        return run_org(args)
    from scaffold.report import REPORTERS
    from scaffold.report.output import check_output, emit
    from scaffold.scan.engine import ScanOptions, default_baseline, scan_repository
    from scaffold.scan.ranges import scan_scope

    output: Path | None = args.output
    check_output(output, force=args.force)
    path: Path = args.path
    baseline: Path | None = None
    if args.baseline is not None:
        baseline = args.baseline
    elif not args.no_baseline and args.format != "baseline":
        # regenerating a baseline must keep what it already lists, so it is not applied by default
        baseline = default_baseline(path)
    options = ScanOptions(
        include_unreachable=args.include_unreachable,
        max_blob_size=args.max_blob_size,
        jobs=args.jobs,
        engine=args.engine,
        baseline=baseline,
        extra_rules=tuple(args.rules),
    )
    show_progress = not args.no_progress and sys.stderr.isatty()
    with _progress(show_progress) as progress:
        result = scan_scope(args, path, options) or scan_repository(path, options, progress)
    if args.format != "terminal" or output is not None:
        _warn(result.warnings, len(result.skipped))
    reporter = REPORTERS[args.format]
    emit(
        lambda out: reporter([result], out, show_secrets=args.show_secrets),
        output,
        force=args.force,
    )
    return EXIT_FINDINGS if result.findings else EXIT_OK


def _warn(warnings: tuple[str, ...], skipped: int) -> None:
    """The terminal report shows these itself; other formats get them on stderr."""
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if skipped:
        print(f"warning: {skipped} object(s) not scanned (listed in the report)", file=sys.stderr)


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
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("scan", total=None, rate="")

        def update(state: ScanProgress) -> None:
            mb = state.bytes_done / (1 << 20)
            rate = f"{mb:.1f} MB, {mb / state.seconds:.1f} MB/s" if state.seconds > 0 else ""
            bar.update(task, completed=state.objects_done, total=state.objects_total, rate=rate)

        yield update

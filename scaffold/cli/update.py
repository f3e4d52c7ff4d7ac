"""`scaffold update`: pull template improvements into generated repositories, or check drift."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "Update generated repositories to a newer template version (or --check for drift)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[Path()],
        metavar="PATH",
        help="generated repositories, or directories containing them (default: .)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 when a newer template version exists (CI drift check)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change an answer while updating (repeatable)",
    )
    parser.add_argument("--vcs-ref", metavar="REF", help="template version (tag) to update to")
    parser.add_argument(
        "--trust",
        action="store_true",
        help="allow the template's migrations and tasks (scaffold's own template is trusted)",
    )
    parser.add_argument(
        "--abort-on-conflict",
        action="store_true",
        help="restore a repository exactly as it was when the update conflicts",
    )


def _parse_data(items: list[str]) -> dict[str, str]:
    from scaffold.errors import UsageError

    data: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--data expects KEY=VALUE, got {item!r}")
        data[key.strip()] = value
    return data


def run(args: argparse.Namespace) -> int:
    from scaffold.errors import ScaffoldError, UsageError
    from scaffold.update.apply import UpdateOptions
    from scaffold.update.batch import RepoReport, overall_exit, run_many
    from scaffold.update.discover import find_projects
    from scaffold.update.report import render_json, render_text

    data = _parse_data(args.data)
    if args.check and (data or args.vcs_ref or args.abort_on_conflict):
        raise UsageError("--check changes nothing; it cannot be combined with --data or --vcs-ref")
    options = UpdateOptions(
        vcs_ref=args.vcs_ref, data=data, trust=args.trust, abort_on_conflict=args.abort_on_conflict
    )
    projects = find_projects(args.paths)
    progress_tty = sys.stderr.isatty() and len(projects) > 1
    if progress_tty:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(file=sys.stderr), transient=True) as progress:
            verb = "checking" if args.check else "updating"
            task = progress.add_task(verb, total=len(projects))

            def started(path: Path) -> None:
                progress.update(task, description=f"{verb} {path.name}")

            def advance(_report: RepoReport) -> None:
                progress.advance(task)

            reports = run_many(
                projects, check=args.check, options=options, on_start=started, on_done=advance
            )
    else:
        reports = run_many(projects, check=args.check, options=options)
    code = overall_exit(reports)
    single_error = len(reports) == 1 and reports[0].status == "error"
    if single_error and args.format == "text":
        # one repository, one problem: the one-line error is the whole story
        raise ScaffoldError(reports[0].error or "update failed", exit_code=reports[0].exit_code)
    if args.format == "json":
        render_json(reports, sys.stdout, check=args.check, exit_code=code)
    else:
        render_text(reports, sys.stdout, check=args.check)
    return code

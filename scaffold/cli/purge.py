"""`scaffold purge`: remove leaked secrets from every branch, tag and message of a repository."""

from __future__ import annotations

import argparse
from pathlib import Path

from scaffold.errors import EXIT_OK

HELP = "Replace leaked secrets throughout a repository's history (with git-filter-repo)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="the repository's work tree (its top folder)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--fingerprint",
        action="append",
        default=[],
        metavar="FP",
        help="a finding's fingerprint (at least 8 hex digits, as `scaffold scan` shows); repeat",
    )
    which.add_argument(
        "--all-findings",
        action="store_true",
        help="every secret the scan finds (minus those in .secrets.baseline)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would change, change nothing"
    )
    parser.add_argument(
        "--i-have-rotated",
        action="store_true",
        help="purge even secrets last seen live (say so only once they are revoked)",
    )
    parser.add_argument(
        "--accept-limits",
        action="store_true",
        help="go on although submodules or Git LFS content stay out of purge's reach",
    )
    parser.add_argument(
        "--backup",
        type=Path,
        metavar="FILE",
        help="where to write the git bundle of every ref (default: beside the repository)",
    )
    parser.add_argument(
        "--datastore",
        type=Path,
        metavar="FILE",
        help="datastore holding verify answers and findings (default: scaffold's cache)",
    )


def run(args: argparse.Namespace) -> int:
    from scaffold.remedy.purge import PurgeOptions, plan_purge
    from scaffold.remedy.purgetext import render_plan, render_result

    options = PurgeOptions(
        fingerprints=tuple(args.fingerprint),
        all_findings=args.all_findings,
        i_have_rotated=args.i_have_rotated,
        accept_limits=args.accept_limits,
        backup=args.backup,
        datastore=args.datastore,
    )
    plan = plan_purge(args.path, options)
    if args.dry_run:
        print("\n".join(render_plan(plan)))
        return EXIT_OK
    from scaffold.remedy.purgerun import run_purge

    for note in plan.notes:
        print(f"note: {note}")
    print("\n".join(render_result(run_purge(plan, options))))
    return EXIT_OK

"""`scaffold audit`: score repositories against the production-readiness checklist."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scaffold.errors import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK, UsageError

HELP = "Score repositories against the production-readiness checklist (levels 1-3)."
FORMATS = ("terminal", "json", "sarif", "html")


def _level(text: str) -> int:
    if text not in ("1", "2", "3"):
        raise argparse.ArgumentTypeError("a level is 1, 2 or 3")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "more_targets",
        nargs="*",
        default=[],
        metavar="PATH",
        help="repositories, directories of repositories, or git URLs (default: .)",
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
        "--fail-below",
        type=_level,
        metavar="LEVEL",
        help="exit 1 unless every repository reaches LEVEL (1-3)",
    )
    parser.add_argument(
        "--no-history", action="store_true", help="skip the whole-history secret scan"
    )
    parser.add_argument(
        "--since-last", action="store_true", help="show what changed since the last audit"
    )
    parser.add_argument(
        "--datastore",
        type=Path,
        metavar="FILE",
        help="where audits are recorded (default: in scaffold's cache); the history scan's "
        "datastore is FILE.scan",
    )
    parser.add_argument(
        "--aws", action="store_true", help="also check the AWS account (read-only calls)"
    )
    parser.add_argument(
        "--aws-region",
        action="append",
        default=[],
        metavar="REGION",
        help="regions for --aws (default: every enabled region)",
    )
    parser.add_argument("--jobs", type=int, default=0, metavar="N", help="scan workers (0 = all)")
    from scaffold.cli.org import add_listing_arguments

    add_listing_arguments(parser.add_argument_group("organisations (as `scaffold scan`)"))


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from scaffold.audit.report import REPORTERS
    from scaffold.audit.run import AuditOptions, audit_targets
    from scaffold.cli.org import _listings, _token_hosts
    from scaffold.org.targets import read_targets_file, resolve, unique
    from scaffold.report.output import check_output, emit

    check_output(args.output, force=args.force)
    specs = [str(t) for t in args.more_targets]
    if args.targets_file:
        specs += read_targets_file(args.targets_file)
    listed = args.github_org or args.github_user or args.gitlab_group
    if not specs and not listed:
        specs = ["."]
    targets = resolve(specs, _token_hosts(args))
    found, listing_failures = _listings(args, _warn)
    targets = unique([*targets, *found])
    if not targets:
        if listing_failures:
            return EXIT_INCOMPLETE
        raise UsageError("nothing to audit: no repositories in the given targets")
    account = []
    if args.aws:
        from scaffold.audit.aws import account_outcomes

        account = account_outcomes(regions=tuple(args.aws_region))
    options = AuditOptions(
        history=not args.no_history,
        datastore=args.datastore,
        cache_dir=args.cache_dir,
        since_last=args.since_last,
        jobs=args.jobs,
    )
    result = audit_targets(targets, options, account, _warn)
    for target, error in result.failed:
        print(f"error: {target.display}: {error}", file=sys.stderr)
    if not result.audits:
        return EXIT_INCOMPLETE
    reporter = REPORTERS[args.format]
    emit(lambda out: reporter(result.audits, out), args.output, force=args.force)
    incomplete = [a.repository for a in result.audits if a.incomplete]
    if incomplete and (args.format != "terminal" or args.output):
        _warn(f"audit incomplete for {len(incomplete)} repositories (see 'not-evaluated')")
    if result.failed or listing_failures:
        return EXIT_INCOMPLETE
    if args.fail_below is not None:
        below = [a for a in result.audits if a.level < args.fail_below]
        if below:
            print(
                f"{len(below)} of {len(result.audits)} repositories below level {args.fail_below}",
                file=sys.stderr,
            )
            return EXIT_FINDINGS
    return EXIT_OK

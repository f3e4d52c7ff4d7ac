"""`scaffold report merge`: combine shard datastores or JSON reports into one report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scaffold.errors import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK
from scaffold.report import ORG_FORMATS

HELP = "Merge organisation scan datastores (or JSON reports) into one report."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    merge = sub.add_parser(
        "merge",
        help="combine shard datastores (.db) or JSON reports into one report",
        description="Combine the datastores (or JSON reports) of a sharded `scaffold scan` "
        "into the report an unsharded run would give.",
    )
    merge.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="datastore or JSON")
    merge.add_argument(
        "--format",
        choices=ORG_FORMATS,
        default="terminal",
        help="report format (default: terminal)",
    )
    merge.add_argument("--output", type=Path, metavar="FILE", help="write to FILE, not stdout")
    merge.add_argument("--force", action="store_true", help="let --output replace a file")


def run(args: argparse.Namespace) -> int:
    from scaffold.org.merge import load_inputs
    from scaffold.org.output import check_output, write_report
    from scaffold.org.summary import render, summarise

    check_output(args.output, force=args.force)
    results = load_inputs(args.inputs)
    findings = sum(len(r.findings) for r in results)
    failed = sum(1 for r in results if r.extra.get("status") == "failed")
    footer = f"{len(results)} repositories · {findings} findings · {failed} not scanned"
    write_report(
        results,
        args.format,
        args.output,
        force=args.force,
        terminal=lambda out: render(summarise(results), out, footer=footer),
    )
    if args.format != "terminal":
        print(footer, file=sys.stderr)
    if failed:
        return EXIT_INCOMPLETE
    return EXIT_FINDINGS if findings else EXIT_OK

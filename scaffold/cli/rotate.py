"""`scaffold rotate`: how to rotate one leaked secret, step by step, for its provider."""

from __future__ import annotations

import argparse
from pathlib import Path

from scaffold.errors import EXIT_OK

HELP = "Print the provider's rotation runbook for one finding (and its incident note)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "fingerprint", metavar="FINGERPRINT", help="as `scaffold scan` shows it (8+ hex digits)"
    )
    parser.add_argument("path", nargs="?", default=".", type=Path, help="repository (default: .)")
    parser.add_argument(
        "--verify", action="store_true", help="ask the provider now whether the secret is live"
    )
    parser.add_argument(
        "--verify-network",
        action="store_true",
        help="with --verify: also log in to databases named in the content",
    )
    parser.add_argument(
        "--verify-timeout", type=float, default=30.0, metavar="SECONDS", help="budget for --verify"
    )
    parser.add_argument(
        "--mark-rotated",
        action="store_true",
        help="record in the datastore that the secret was rotated (now)",
    )
    parser.add_argument(
        "--incident", type=Path, metavar="FILE", help="also write the Markdown incident note"
    )
    parser.add_argument("--force", action="store_true", help="let --incident replace a file")
    parser.add_argument(
        "--show-secrets", action="store_true", help="print the secret and key ids in full"
    )
    parser.add_argument(
        "--datastore", type=Path, metavar="FILE", help="where verify answers and actions are kept"
    )


def run(args: argparse.Namespace) -> int:
    from scaffold.remedy.incident import incident_note
    from scaffold.remedy.records import Records, Remedy
    from scaffold.remedy.rotate import render_rotation
    from scaffold.remedy.rotation import load_rotation
    from scaffold.report.output import check_output, emit
    from scaffold.verify.run import VerifyOptions, _iso_now

    check_output(args.incident, force=args.force)
    options = (
        VerifyOptions(network=args.verify_network, timeout=args.verify_timeout)
        if args.verify
        else None
    )
    rotation = load_rotation(args.path, args.fingerprint, options, args.datastore)
    if args.mark_rotated:
        with Records(args.datastore) as records:
            records.record([Remedy(rotation.fingerprint, "rotated", _iso_now())])
            rotation = load_rotation(args.path, rotation.fingerprint, None, args.datastore)
    print(
        render_rotation(rotation, purge_path=str(args.path), show_secrets=args.show_secrets), end=""
    )
    if args.incident is not None:
        note = incident_note(
            rotation.findings,
            {rotation.fingerprint: rotation.verification} if rotation.verification else {},
            {rotation.fingerprint: rotation.remedies},
            repository=rotation.finding.repository,
            written_at=_iso_now(),
        )
        emit(lambda out: print(note, end="", file=out), args.incident, force=args.force)
        print(f"\nIncident note written to {args.incident}")
    return EXIT_OK

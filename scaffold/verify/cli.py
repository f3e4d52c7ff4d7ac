"""`scan --verify` flags and the one call the scan command makes after scanning."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.scan.model import Liveness, ScanResult

DEFAULT_TIMEOUT = 60.0


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("asking providers whether secrets are live (opt-in)")
    group.add_argument(
        "--verify",
        action="store_true",
        help="ask each finding's provider, once per secret and read-only, whether it is live",
    )
    group.add_argument(
        "--verify-network",
        action="store_true",
        help="with --verify: also log in to databases and hosts named in the scanned content",
    )
    group.add_argument(
        "--verify-timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"time budget for every provider call of the run (default: {DEFAULT_TIMEOUT:g})",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("--verify-timeout must be between 0 and 3600 seconds")
    return value


def wanted(args: argparse.Namespace) -> bool:
    if getattr(args, "verify_network", False) and not getattr(args, "verify", False):
        raise UsageError("--verify-network only widens --verify: pass both")
    return bool(getattr(args, "verify", False))


def verify_result(result: ScanResult, args: argparse.Namespace, root: Path) -> ScanResult:
    """The result with every finding labelled (when --verify was given), and a summary line."""
    if not wanted(args) or not result.findings:
        return result
    from scaffold.verify.apply import summary, verify_and_record, with_verifications
    from scaffold.verify.run import VerifyOptions

    options = VerifyOptions(network=args.verify_network, timeout=args.verify_timeout)
    answers = verify_and_record(result.findings, options, root)
    unreachable = sum(
        1
        for v in answers.values()
        if v.status is Liveness.UNKNOWN and "the scan went on" in v.reason
    )
    line = summary(answers)
    if unreachable:
        line += f" ({unreachable} could not reach their provider: see each reason)"
    print(line, file=sys.stderr)
    return with_verifications(result, answers)

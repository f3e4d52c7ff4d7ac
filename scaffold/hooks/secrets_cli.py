"""The `scaffold-secrets` hook entry: scan the index, print redacted findings, block or pass."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from scaffold.errors import EXIT_FINDINGS, EXIT_OK, guarded
from scaffold.hooks.secrets import DEFAULT_MAX_SIZE
from scaffold.scan.model import DEFAULT_BASELINE, ScanOptions, ScanResult, redact

HOOK_ID = "scaffold-secrets"
ENGINES = ("auto", "hyperscan", "python")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=HOOK_ID,
        description="Block a commit whose staged content holds a secret. Scans the index "
        "(what the commit records), not the working tree or history.",
    )
    parser.add_argument(
        "filenames",
        nargs="*",
        help="staged paths to scan (pre-commit passes them); default: every staged change",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="detect-secrets baseline of accepted secrets (default: .secrets.baseline at the "
        "repository root, if present)",
    )
    group.add_argument("--no-baseline", action="store_true", help="ignore any baseline")
    parser.add_argument(
        "--update-baseline",
        action="store_true",
        help="add the staged findings to the baseline as accepted, instead of blocking",
    )
    parser.add_argument(
        "--commit-msg",
        action="store_true",
        help="scan the commit message file given as the only file name (commit-msg stage)",
    )
    parser.add_argument("--show-secrets", action="store_true", help="print secrets in full")
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="matching engine (default: auto, as `scaffold scan`)",
    )
    parser.add_argument(
        "--max-size",
        type=int,
        default=DEFAULT_MAX_SIZE,
        metavar="BYTES",
        help="skip (and list) staged files larger than this (default: 5 MiB)",
    )
    return parser


def render(result: ScanResult, out: TextIO, *, show_secrets: bool, baseline: str) -> None:
    """The hook's message: where each secret is, what it is, and how to get past it honestly."""
    count = len(result.findings)
    noun = "secret" if count == 1 else "secrets"
    print(f"{HOOK_ID}: {count} {noun} in staged changes; commit blocked", file=out)
    places = sorted(
        ((p.path if p.path else f.object_id, f) for f in result.findings for p in f.provenance),
        key=lambda item: (item[0], item[1].match.line, item[1].match.column),
    )
    for path, f in places:
        where = f"{path}:{f.match.line}:{f.match.column}"
        shown = f.match.secret if show_secrets else redact(f.match.secret)
        print(f"  {where}  {f.rule.id}  {shown}  ({f.match.validation})", file=out)
        print(f"      {f.rule.description}. {f.rule.remediation}", file=out)
    print(
        "A real secret: take it out of the file, revoke it with its provider, and load it from a "
        "secret manager.\n"
        "Not a secret (a test value, a documented example):\n"
        "  - end its line with `# pragma: allowlist secret`, or\n"
        f"  - accept it in {baseline}: `{HOOK_ID} --update-baseline`, then "
        f"`git add {baseline}`",
        file=out,
    )


def run(args: argparse.Namespace) -> int:
    from scaffold.hooks.secrets import default_baseline, scan_staged
    from scaffold.scan.sources.staged import work_tree_root

    root = work_tree_root(Path.cwd())
    baseline: Path | None = None
    if args.baseline is not None:
        baseline = args.baseline if args.baseline.is_absolute() else Path.cwd() / args.baseline
    elif not args.no_baseline:
        baseline = default_baseline(root)
    if args.update_baseline:
        baseline = None  # scan everything, then record what is not yet accepted
    options = ScanOptions(max_blob_size=args.max_size, engine=args.engine, baseline=baseline)
    if args.commit_msg:
        result = _scan_message_file(root, args.filenames, options)
    else:
        paths = _from_root(root, args.filenames) if args.filenames else None
        result = scan_staged(root, options, paths)
    for skipped in result.skipped:
        print(f"{HOOK_ID}: not scanned: {skipped.place} ({skipped.reason})", file=sys.stderr)
    if args.update_baseline:
        from scaffold.hooks.baseline_update import add_to_baseline

        target = args.baseline or root / DEFAULT_BASELINE
        added = add_to_baseline(target, result)
        print(f"{HOOK_ID}: {added} secret(s) added to {target}; review and commit it")
        return EXIT_OK
    from dataclasses import replace

    from scaffold.scan.grouping import View, group, held_back_line

    blocking, held = View().split(group(result))  # the scan's default view: what to act on
    if held:
        print(f"{HOOK_ID}: {held_back_line(held).split(':')[0]} (see `scaffold scan --staged "
              "--confidence low --include-context all`)", file=sys.stderr)  # fmt: skip
    if not blocking:
        return EXIT_OK
    findings = tuple(f for secret in blocking for f in secret.findings)
    name = baseline.name if baseline is not None else DEFAULT_BASELINE
    render(
        replace(result, findings=findings),
        sys.stdout,
        show_secrets=args.show_secrets,
        baseline=name,
    )
    return EXIT_FINDINGS


def _scan_message_file(root: Path, names: Sequence[str], options: ScanOptions) -> ScanResult:
    from scaffold.errors import UsageError
    from scaffold.hooks.secrets import scan_message

    if len(names) != 1:
        raise UsageError("--commit-msg needs exactly one file name: the commit message file")
    try:
        raw = Path(names[0]).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read commit message {names[0]}: {exc.strerror}") from None
    return scan_message(root, raw, options)


def _from_root(root: Path, names: Sequence[str]) -> tuple[str, ...]:
    """Names as the index spells them: relative to the repository root, `/`-separated.

    pre-commit already passes them so; a person running the hook in a subdirectory may not.
    """
    here = Path.cwd()
    if here == root:
        return tuple(names)
    return tuple(os.path.relpath(here / name, root).replace(os.sep, "/") for name in names)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return guarded(lambda: run(args))

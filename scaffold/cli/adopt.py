"""`scaffold adopt`: bring scaffold's guardrails into an existing repository, or put them back."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from scaffold.errors import EXIT_FINDINGS, EXIT_OK, UsageError

HELP = (
    "Bring scaffold's guardrails (hooks, baseline, CI scan, runbooks) into an existing repository."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", type=Path, help="repository (default: .)")
    parser.add_argument("--defaults", action="store_true", help="ask nothing; take defaults")
    parser.add_argument(
        "--data", action="append", default=[], metavar="KEY=VALUE", help="answer a question"
    )
    parser.add_argument("--no-hooks", action="store_true", help="do not run `pre-commit install`")
    parser.add_argument(
        "--undo", action="store_true", help="put the tree back exactly as it was before adopt"
    )


def _data(pairs: list[str]) -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--data {pair!r}: expected KEY=VALUE")
        data[key] = yaml.safe_load(value) if value.lower() in ("true", "false") else value
    return data


def _ask(data: dict[str, Any], given: dict[str, Any]) -> None:
    import questionary

    for key, question in (
        ("team", "Owners of every path, for CODEOWNERS (@org/team or @user)"),
        ("security_contact", "Where vulnerabilities and leaked credentials are reported"),
    ):
        if key in given:
            continue
        answer = questionary.text(question, default=str(data.get(key, ""))).unsafe_ask()
        if answer:
            data[key] = answer


def run(args: argparse.Namespace) -> int:
    from scaffold.adopt import apply, plan
    from scaffold.adopt.baseline import baseline_document

    if args.undo:
        for line in apply.undo(args.path):
            print(line)
        print("the tree is as it was before `scaffold adopt`")
        return EXIT_OK
    interactive = not args.defaults and sys.stdin.isatty() and sys.stdout.isatty()
    try:
        root = plan.preflight(args.path)
    except plan.AlreadyAdopted as exc:
        if not interactive:
            raise
        import questionary

        print(exc.message)
        if not questionary.confirm("Update it now instead?", default=True).unsafe_ask():
            return EXIT_OK
        from scaffold.cli import main

        return main(["update", str(args.path)])
    given = _data(args.data)
    data = {**plan.inferred(root), **given}
    if interactive:
        _ask(data, given)
    source = plan.template_source()
    name = plan.answers_file(root)
    with tempfile.TemporaryDirectory(prefix="scaffold-adopt-") as scratch:
        staging = Path(scratch) / "render"
        plan.render(source, staging, data, name)
        changes = plan.plan(root, staging)
    _summary(root, changes)
    conflicts = [c for c in changes if c.kind == "conflict"]
    if conflicts:
        for change in conflicts:
            print(f"\nconflict: {change.path} ({change.reason}); proposed change:", file=sys.stderr)
            print(change.diff or "(not a text file)", file=sys.stderr)
        print(
            "nothing written: settle the conflicts above, commit, and run adopt again",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    if interactive:
        import questionary

        if not questionary.confirm("Write these changes?", default=True).unsafe_ask():
            print("nothing written")
            return EXIT_OK
    baseline, known = None, 0
    if not (root / ".secrets.baseline").exists():
        baseline, known = baseline_document(root)
    apply.write(root, changes, baseline)
    problem = "" if args.no_hooks else apply.install_hooks(root)
    if baseline is not None:
        print(f"wrote .secrets.baseline: {known} finding(s) already in the tree, recorded as known")
    if problem:
        print(f"warning: pre-commit install failed: {problem}", file=sys.stderr)
    elif not args.no_hooks:
        print("installed the pre-commit hook")
    if any(c.path == ".gitlab/secret-scan.gitlab-ci.yml" and c.kind == "add" for c in changes):
        print("include .gitlab/secret-scan.gitlab-ci.yml from .gitlab-ci.yml (`include: local:`)")
    print(
        "\nnext: review with `git status` and `git diff`, then commit:\n"
        f"  git add -A && git commit -m 'Adopt scaffold guardrails'\n"
        f"put it all back (before or after committing): scaffold adopt --undo {root}\n"
        f"later template improvements: scaffold update {root}  (or copier update"
        + (f" --answers-file {name}" if name != plan.DEFAULT_ANSWERS else "")
        + ")"
    )
    return EXIT_OK


def _summary(root: Path, changes: list[Any]) -> None:
    words = {"add": "add", "merge": "merge into", "same": "already has", "conflict": "CONFLICT"}
    print(f"scaffold adopt {root}:")
    for change in changes:
        print(f"  {words[change.kind]:<12} {change.path}")
    if not (root / ".secrets.baseline").exists():
        print(f"  {'add':<12} .secrets.baseline (findings already in the tree, as known)")

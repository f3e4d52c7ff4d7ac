"""`scaffold new service [DEST]`: generate a production-ready service repository."""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from scaffold.new.review import Caution, Review
    from scaffold.new.wizard import NewService

HELP = "Create a new repository from a template (a service, for now)."

SERVICE_HELP = (
    "Generate a service repository from the Copier template: asks the template's questions, "
    "then makes it a git repository on main with a secrets baseline, a first commit and "
    "pre-commit hooks."
)
SERVICE_EPILOG = (
    "Without a terminal (stdin not a tty) nothing is asked: every question needs a default or "
    "an answer from --data/--data-file. Exit codes: 0 created, 1 declined, 2 bad input, "
    "130 interrupted; nothing is left behind unless the exit code is 0."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    service = kinds.add_parser(
        "service", help="a service repository", description=SERVICE_HELP, epilog=SERVICE_EPILOG
    )
    service.add_argument(
        "dest",
        metavar="DEST",
        nargs="?",
        default=".",
        help="directory to create (absent or empty; default: the current directory)",
    )
    service.add_argument(
        "--template",
        metavar="SPEC",
        help="template path or git URL (default: configured template, else the packaged one)",
    )
    service.add_argument(
        "--defaults", action="store_true", help="take every question's default instead of asking"
    )
    service.add_argument(
        "--data",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="answer a question (repeatable; wins over --data-file)",
    )
    service.add_argument(
        "--data-file", metavar="FILE", type=Path, help="answers from a YAML mapping"
    )
    service.add_argument(
        "-y", "--yes", action="store_true", help="do not ask for confirmation after the summary"
    )
    service.add_argument(
        "--force", action="store_true", help="replace the contents of a non-empty DEST on success"
    )
    service.add_argument("--no-hooks", action="store_true", help="do not run `pre-commit install`")


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)


def _summary(console: Console, checked: Review) -> None:
    from rich.table import Table

    table = Table(title="Your answers", show_header=False, title_justify="left")
    table.add_column("question", style="bold")
    table.add_column("answer")
    for name, value in checked.answers.items():
        table.add_row(checked.labels.get(name, name), _shown(value))
    console.print(table)
    _cautions(console, checked.cautions, "Answers to change before the first deploy:")


def _cautions(
    console: Console, cautions: Sequence[Caution], title: str, *, command: bool = True
) -> None:
    if not cautions:
        return
    console.print(f"\n[yellow]{title}[/]")
    from scaffold.new.review import update_command

    for caution in cautions:
        refused = " (the deploy pipeline refuses it)" if caution.blocks_deploys else ""
        console.print(f"  {caution.message}{refused}", soft_wrap=True, markup=False)
    if command:  # after creation the next steps carry it
        console.print(
            f"  change them with: {update_command(cautions)}", soft_wrap=True, markup=False
        )


def _confirm(console: Console, checked: Review) -> bool:
    import questionary

    _summary(console, checked)
    return bool(questionary.confirm("Create the service?", default=True).unsafe_ask())


def _remote_url(answers: Mapping[str, Any], cautions: Sequence[Caution] = ()) -> str | None:
    owner, name = answers.get("repo_owner"), answers.get("repo_name")
    if not owner or not name:
        return None
    if any(c.question == "repo_owner" for c in cautions):
        owner = "<your organisation>"
    host = "gitlab.com" if answers.get("ci_provider") == "gitlab" else "github.com"
    return f"git@{host}:{owner}/{name}.git"


def file_tree(root: str, files: tuple[str, ...]) -> Any:
    """A rich Tree of the committed files, directories first."""
    from rich.markup import escape
    from rich.tree import Tree

    nested: dict[str, Any] = {}
    for path in files:
        node = nested
        for part in path.split("/"):
            node = node.setdefault(part, {})

    def add(tree: Tree, node: dict[str, Any]) -> None:
        for name in sorted(node, key=lambda n: (not node[n], n)):
            if node[name]:
                add(tree.add(f"[bold blue]{escape(name)}/[/]"), node[name])
            else:
                tree.add(escape(name))

    top = Tree(f"[bold]{escape(root)}/[/]")
    add(top, nested)
    return top


def _report(console: Console, made: NewService, shown_dest: str) -> None:
    from rich.markup import escape

    console.print(file_tree(shown_dest.rstrip("/") or ".", made.files))
    version = f" (template {made.template_version})" if made.template_version else ""
    verb = "Replaced the contents of" if made.replaced else "Created"
    console.print(
        f"\n{verb} [bold]{escape(str(made.path))}[/]{version}: {len(made.files)} files, "
        f"commit {made.commit[:12]} on main."
    )
    title = "Before the first push, replace these example answers:"
    _cautions(console, made.cautions, title, command=False)
    console.print("\nNext steps:")
    steps: list[str] = []
    if Path(shown_dest).resolve() != Path.cwd().resolve():
        steps.append(f"cd {shlex.quote(shown_dest)}")
    if made.cautions:
        from scaffold.new.review import update_command

        steps += [update_command(made.cautions), 'git commit -am "Real answers, not examples"']
    remote = _remote_url(made.answers, made.cautions)
    if remote:
        steps += [f"git remote add origin {remote}", "git push -u origin main"]
    pre_commit = _pre_commit_command()
    if not made.hooks_installed:
        steps.append(f"{pre_commit} install")
    steps.append(f"{pre_commit} run --all-files")
    guides = [name for name in ("README.md", "docs/production-readiness.md") if name in made.files]
    if guides:
        steps.append(f"read {' and '.join(guides)}")
    for step in steps:
        # commands are copied and pasted: never wrapped, and paths are text, not markup
        console.print(f"  {step}", soft_wrap=True, markup=False)


def _pre_commit_command() -> str:
    """`pre-commit` when it is on PATH, else the pre-commit scaffold itself runs with."""
    if shutil.which("pre-commit"):
        return "pre-commit"
    return f"{shlex.quote(sys.executable)} -m pre_commit"


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from scaffold.new.answers import load_data_file, parse_data_pairs
    from scaffold.new.wizard import ServiceRequest, create_service

    data: dict[str, Any] = {}
    if args.data_file is not None:
        data.update(load_data_file(args.data_file))
    data.update(parse_data_pairs(args.data))
    interactive = sys.stdin.isatty()
    request = ServiceRequest(
        dest=Path(args.dest),
        template=args.template,
        data=data,
        use_defaults=args.defaults,
        interactive=interactive,
        force=args.force,
        hooks=not args.no_hooks,
    )
    console = Console(highlight=False)
    ask = interactive and not args.yes
    made = create_service(
        request,
        confirm=(lambda checked: _confirm(console, checked)) if ask else None,
        progress=lambda message: console.print(f"[dim]{message}…[/]"),
    )
    _report(console, made, args.dest)
    return 0

"""scaffold's command line: one module per command, registered in an explicit table."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Protocol, cast

from scaffold.errors import EXIT_USAGE, guarded


class Command(Protocol):
    """What every command module provides."""

    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


# name -> module; modules import their heavy dependencies inside run() so --help stays fast.
COMMANDS: dict[str, str] = {
    "adopt": "scaffold.cli.adopt",
    "audit": "scaffold.cli.audit",
    "new": "scaffold.cli.new",
    "purge": "scaffold.cli.purge",
    "report": "scaffold.cli.report",
    "rotate": "scaffold.cli.rotate",
    "scan": "scaffold.cli.scan",
    "update": "scaffold.cli.update",
}


def _load(module: str) -> Command:
    return cast(Command, importlib.import_module(module))


class _Version(argparse.Action):
    """--version, looking the version up only when asked (importlib.metadata costs ~50 ms)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        import scaffold

        sys.stdout.write(f"scaffold {scaffold.__version__}\n")
        parser.exit()


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, the name of a command, that command's alone (the others' modules
    are not imported: each costs tens of milliseconds, which a commit hook notices)."""
    parser = argparse.ArgumentParser(
        prog="scaffold",
        description="Production-safe service repositories from day one.",
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        if only is not None and name != only:
            continue
        module = _load(module_name)
        command_parser = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(argv) if argv is not None else sys.argv[1:]
    # `scaffold scan ...`: only scan's module is needed; anything else (help, a typo) gets all
    parser = build_parser(arguments[0] if arguments and arguments[0] in COMMANDS else None)
    args = parser.parse_args(arguments)
    run = getattr(args, "_run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return guarded(lambda: int(run(args)))

"""scaffold's command line: one module per command, registered in an explicit table."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Protocol, cast

from scaffold import __version__
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scaffold",
        description="Production-safe service repositories from day one.",
    )
    parser.add_argument("--version", action="version", version=f"scaffold {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = _load(module_name)
        command_parser = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else sys.argv[1:])
    run = getattr(args, "_run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return guarded(lambda: int(run(args)))

"""Render update/drift reports: a rich table for people, JSON for machines."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from scaffold.update.batch import RepoReport

if TYPE_CHECKING:
    from rich.console import Console

JSON_SCHEMA_VERSION = 1
_STATUS_STYLE = {
    "up-to-date": "green",
    "updated": "green",
    "behind": "yellow",
    "conflicts": "yellow",
    "rolled-back": "yellow",
    "error": "red",
}
RESOLVE_HINT = (
    "Resolve the conflict markers (<<<<<<< before updating ... >>>>>>> after updating) "
    "and any .rej files, run the tests, then commit. To drop the update instead: "
    "git reset --hard && git clean -fd"
)


def display_path(path: Path) -> str:
    """`path` relative to the current directory when it is below it, else absolute."""
    try:
        rel = os.path.relpath(path.absolute(), Path.cwd())
    except ValueError:
        return str(path)
    return str(path.absolute()) if rel.startswith("..") else rel


def _template(template: str | None) -> str:
    if not template:
        return "-"
    return display_path(Path(template)) if Path(template).is_absolute() else template


def _version(report: RepoReport) -> str:
    before = report.from_version or "?"
    after = report.to_version or "?"
    return before if before == after else f"{before} → {after}"


def _result(report: RepoReport) -> str:
    if report.status == "error":
        return f"error: {report.error}"
    if report.status == "conflicts":
        return f"conflicts ({len(report.conflicts)})"
    if report.status == "updated":
        return f"updated ({len(report.changed)} files)"
    return report.status


def render_text(reports: Sequence[RepoReport], out: TextIO, *, check: bool) -> None:
    """The summary table, then per-repository changed and conflicted files."""
    from rich.console import Console

    tty = out.isatty()
    # not a terminal (CI logs, pipes): never fold cells, the table takes its natural width,
    # and lines carry no trailing padding
    buffer = io.StringIO()
    console = Console(
        file=out if tty else buffer, width=None if tty else 1000, no_color=not tty, highlight=False
    )
    try:
        _print_summary(console, reports, check=check, tty=tty)
    finally:
        if not tty:
            out.write("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))


def _print_summary(
    console: Console, reports: Sequence[RepoReport], *, check: bool, tty: bool
) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold" if tty else "")
    for column in ("Repository", "Template", "Version", "Latest", "Result"):
        table.add_column(column, overflow="fold")
    for report in reports:
        # Text, not markup: a path with brackets must print as it is
        table.add_row(
            Text(display_path(report.path)),
            Text(_template(report.template)),
            Text(_version(report)),
            Text(report.latest or "-"),
            Text(_result(report), style=_STATUS_STYLE.get(report.status, "") if tty else ""),
        )
    console.print(table)
    if check:
        return
    for report in reports:
        if not report.changed:
            continue
        console.print(f"\n{display_path(report.path)}:", markup=False)
        for rel in report.changed:
            console.print(f"  {_mark(report, rel)} {rel}", markup=False)
        for rel in report.conflicts:
            if rel not in report.changed:
                console.print(f"  C {rel}", markup=False)
    if any(r.status == "conflicts" for r in reports):
        console.print(f"\n{RESOLVE_HINT}", markup=False)


def _mark(report: RepoReport, rel: str) -> str:
    """C conflicted, A added, D deleted, M modified."""
    if rel in report.conflicts:
        return "C"
    if rel in report.added:
        return "A"
    return "D" if rel in report.deleted else "M"


def to_json(reports: Sequence[RepoReport], *, check: bool, exit_code: int) -> dict[str, Any]:
    """A stable, documented JSON document (see docs/update.md)."""
    return {
        "version": JSON_SCHEMA_VERSION,
        "mode": "check" if check else "update",
        "exit_code": exit_code,
        "repositories": [
            {
                "path": str(r.path.absolute()),
                "template": r.template,
                "from_version": r.from_version,
                "to_version": r.to_version,
                "latest": r.latest,
                "status": r.status,
                "changed": list(r.changed),
                "conflicts": list(r.conflicts),
                "added": list(r.added),
                "deleted": list(r.deleted),
                "error": r.error,
            }
            for r in reports
        ],
    }


def render_json(reports: Sequence[RepoReport], out: TextIO, *, check: bool, exit_code: int) -> None:
    json.dump(to_json(reports, check=check, exit_code=exit_code), out, indent=2)
    out.write("\n")

"""The organisation summary for the terminal: one row per repository, worst first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from scaffold.org.filters import introduced
from scaffold.scan.grouping import View, group
from scaffold.scan.model import ScanResult, Severity

SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


@dataclass(frozen=True)
class RepoLine:
    repository: str
    status: str  # scanned / unchanged / failed / ok (from a datastore)
    counts: tuple[int, int, int, int]  # by severity, critical first
    newest: str  # date of the most recently introduced finding, "" for none
    seconds: float
    error: str = ""
    live: int = 0  # secrets `scan --verify` found live


def summarise(
    results: Sequence[ScanResult],
    statuses: Mapping[str, tuple[str, str]] | None = None,
    view: View | None = None,
) -> list[RepoLine]:
    """Rows, worst first, then by name; `statuses` maps a repository to (status, error).
    Counts are of secrets (one per fingerprint) the view shows."""
    lines = []
    for result in results:
        shown, _held = (view or View()).split(group(result))
        counts = tuple(sum(1 for s in shown if s.rule.severity is level) for level in SEVERITIES)
        dates = [d for d in (introduced(f) for s in shown for f in s.findings) if d is not None]
        status, error = (statuses or {}).get(
            result.repository, (result.extra.get("status", "ok"), "")
        )
        live = sum(1 for s in shown if s.live)
        lines.append(
            RepoLine(
                result.repository,
                status,
                (counts[0], counts[1], counts[2], counts[3]),
                max(dates).date().isoformat() if dates else "",
                result.stats.seconds,
                error,
                live,
            )
        )
    return sorted(lines, key=lambda line: (-line.live, [-c for c in line.counts], line.repository))


def render(lines: Sequence[RepoLine], out: TextIO, *, footer: str = "") -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=out, highlight=False, soft_wrap=False, width=max(100, _width(out)))
    table = Table(title="Organisation scan", title_justify="left")
    table.add_column("Repository", overflow="fold")
    table.add_column("Status")
    verified = any(line.live for line in lines)
    if verified:
        table.add_column("Live", justify="right", style="bold red")
    for level, style in zip(SEVERITIES, ("bold red", "red", "yellow", "cyan"), strict=True):
        table.add_column(str(level).capitalize(), justify="right", style=style)
    table.add_column("Newest finding")
    table.add_column("Scan s", justify="right")
    for line in lines:
        status = "[red]failed[/red]" if line.status == "failed" else line.status
        table.add_row(
            escape(line.repository),
            status,
            *([str(line.live) if line.live else "·"] if verified else []),
            *(str(c) if c else "·" for c in line.counts),
            line.newest or "-",
            f"{line.seconds:.1f}",
        )
    console.print(table)
    for line in lines:
        if line.error:
            console.print(f"[red]failed[/red] {escape(line.repository)}: {escape(line.error)}")
    if footer:
        console.print(escape(footer))


def _width(out: TextIO) -> int:
    import shutil

    return shutil.get_terminal_size((120, 24)).columns if out.isatty() else 120

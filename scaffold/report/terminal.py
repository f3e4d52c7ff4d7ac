"""The terminal report: a findings table by severity, a summary, and what to do about each rule."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING, TextIO

from scaffold.report.common import (
    files_with_findings,
    finding_path,
    preview,
    scrub,
    sorted_findings,
    sorted_results,
)
from scaffold.scan.model import Finding, Liveness, RuleInfo, ScanResult, Severity, SourceKind

if TYPE_CHECKING:  # rich is imported when a report is drawn, keeping `import scaffold` light
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

SEVERITY_STYLE: dict[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}
# rich lays a table out at a few ms a row; past this many rows a person needs JSON, not a screen
MAX_TABLE_ROWS = 1000
MAX_LISTED_PATHS = 10
MAX_REASONS = 20  # provider answers listed under the summary (live ones first)
PURGE_STEPS = (
    "Once a secret is rotated, `scaffold purge PATH --fingerprint ID` replaces it in every branch, "
    "tag and message (git-filter-repo, after a bundle backup) and prints the force-push and host "
    "steps; `scaffold rotate ID` gives the provider's rotation runbook first. Purging only hides "
    "a secret; rotating is what makes it harmless."
)


def report(results: Sequence[ScanResult], out: TextIO, *, show_secrets: bool = False) -> None:
    """Render for a person: colour only when `out` is a terminal, width from the terminal."""
    render(results, out, show_secrets=show_secrets)


def render(
    results: Sequence[ScanResult],
    out: TextIO,
    *,
    show_secrets: bool = False,
    width: int | None = None,
    color: bool | None = None,
) -> None:
    import io

    from rich.console import Console

    is_tty = out.isatty() if color is None else color
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or Console(file=out).width,
        force_terminal=is_tty,
        no_color=True if not is_tty else None,  # on a terminal, NO_COLOR still wins
        color_system="auto" if is_tty else None,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
    )
    ordered = sorted_results(results)
    for position, result in enumerate(ordered):
        if position:
            console.print()
        _render_result(console, result, show_secrets)
    if len(ordered) > 1:
        console.print()
        console.print(_grand_total(ordered), style="bold")
    text = buffer.getvalue()
    if not is_tty:  # rich pads cells to the full width; files and pipes get no trailing blanks
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    out.write(text)


def _render_result(console: Console, result: ScanResult, show_secrets: bool) -> None:
    from rich.text import Text

    findings = sorted_findings(result.findings)
    console.print(Text(f"scaffold scan: {result.repository}", style="bold"))
    if findings:
        console.print(_table(findings[:MAX_TABLE_ROWS], show_secrets))
        if len(findings) > MAX_TABLE_ROWS:
            hidden = len(findings) - MAX_TABLE_ROWS
            console.print(
                Text(
                    f"… {_plural(hidden, 'more finding')} not shown (the least severe); "
                    "`--format json` or `--format sarif` lists every one.",
                    style="yellow",
                )
            )
        if show_secrets:
            console.print(
                Text("Full secrets are shown (--show-secrets): keep this output private.", "red")
            )
    else:
        console.print(Text("No secrets found.", style="green"))
    console.print()
    _render_summary(console, result, findings)
    if findings:
        console.print()
        _render_actions(console, findings)


def _table(findings: list[Finding], show_secrets: bool) -> Table:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    # three columns, two lines each, so an 80-column terminal still has room for the path
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, leading=1)
    table.add_column("Severity / rule", overflow="fold", max_width=36)
    table.add_column("Where (introduced by)", overflow="fold", ratio=1)
    # a shown secret may be long or span lines (a PEM key): fold it rather than crop it
    table.add_column("Secret / ID", no_wrap=not show_secrets, overflow="fold")
    for (_, severity), group in groupby(findings, key=_section):
        rows = list(group)
        for position, finding in enumerate(rows):
            secret = finding.match.secret
            table.add_row(
                Text(severity.upper(), style=SEVERITY_STYLE[severity])
                + f"\n{finding.rule.id}"
                + _liveness(finding),
                Text(scrub(_location(finding), secret, show_secrets=show_secrets))
                + Text(_introduced(finding), style="dim"),
                Text(preview(finding, show_secrets=show_secrets), style="magenta")
                + Text(f"\n{finding.fingerprint[:12]}", style="dim"),
                end_section=position == len(rows) - 1,
            )
    return table


def _section(finding: Finding) -> tuple[str, Severity]:
    """Table sections: live secrets first (when verified), then by severity."""
    answer = finding.verification
    return (str(answer.status) if answer else "", finding.rule.severity)


LIVENESS_STYLE = {"live": "bold red", "revoked/invalid": "green", "unknown": "yellow"}


def _liveness(finding: Finding) -> Text:
    from rich.text import Text

    answer = finding.verification
    if answer is None:
        return Text("")
    return Text(f"\n{str(answer.status).upper()}", style=LIVENESS_STYLE[str(answer.status)])


def _location(finding: Finding) -> str:
    line = finding.match.line
    if finding.source is SourceKind.COMMIT_MESSAGE:
        return f"commit message {finding.object_id[:7]}, line {line}"
    path = finding_path(finding) or f"blob {finding.object_id[:12]}"
    head = " (at HEAD)" if finding.in_head else ""
    return f"{path}:{line}{head}"


def _introduced(finding: Finding) -> str:
    first = finding.first
    if first is None or not first.commit:
        return "\nnot committed" if finding.source is not SourceKind.COMMIT_MESSAGE else ""
    more = len({p.commit for p in finding.provenance}) - 1
    also = f" (+{_plural(more, 'more commit')})" if more > 0 else ""
    return f"\n{first.commit[:7]} {first.date[:10]} {first.author_name}{also}"


def _render_summary(console: Console, result: ScanResult, findings: list[Finding]) -> None:
    from rich.text import Text

    files = len(files_with_findings(findings))
    messages = len({f.object_id for f in findings if f.source is SourceKind.COMMIT_MESSAGE})
    where = _plural(files, "file")
    if messages:
        where += f" and {_plural(messages, 'commit message')}"
    line = f"{_plural(len(findings), 'finding')} in {where}, {result.suppressed} suppressed"
    console.print(Text(line, style="bold red" if findings else "bold green"))
    checked = [f.verification.status for f in findings if f.verification is not None]
    if checked:
        counts = {str(s): sum(1 for c in checked if str(c) == str(s)) for s in Liveness}
        told = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
        console.print(Text(f"Checked with the providers: {told}", style="bold"))
        for finding in [f for f in findings if f.verification is not None][:MAX_REASONS]:
            answer = finding.verification
            assert answer is not None
            console.print(
                Text(
                    f"  {finding.fingerprint[:12]} {answer.status}: ",
                    style=LIVENESS_STYLE[str(answer.status)],
                )
                + Text(scrub(answer.reason, finding.match.secret))
            )
    stats = result.stats
    console.print(
        f"Scanned {_plural(stats.blobs_scanned, 'blob')} ({stats.bytes_scanned / 1e6:.1f} MB) "
        f"from {_plural(stats.commits_seen, 'commit')} in {stats.seconds:.2f} s"
    )
    for warning in result.warnings:
        console.print(Text(f"warning: {warning}", style="yellow"))
    if not result.complete:
        console.print(
            Text("Scan incomplete: part of what was asked for was not read", style="bold red")
        )
        for gap in result.gaps:
            console.print(Text(f"  - {gap}"))
    if result.skipped:
        console.print(Text(f"Not scanned ({_plural(len(result.skipped), 'item')}):", "yellow"))
        for item in sorted(result.skipped, key=lambda s: (s.path, s.object_id, s.reason)):
            short = item.object_id[:12]
            place = f"{item.place} ({short})" if item.path and short != item.path else short
            size = f", {item.size:,} bytes" if item.size else ""
            console.print(Text(f"  - {place}{size}: {item.reason}"))


def _render_actions(console: Console, findings: list[Finding]) -> None:
    from rich.table import Table
    from rich.text import Text

    console.print(Text("What to do", style="bold underline"))
    for rule, group in _by_rule(findings):
        at_head = sorted(
            {scrub(finding_path(f), f.match.secret) for f in group if f.in_head and finding_path(f)}
        )
        count = _plural(len({f.fingerprint for f in group}), "secret")
        console.print(Text(f"{rule.id} ({rule.provider}, {rule.severity}): {count}", "bold"))
        steps = [f"Rotate first: {rule.remediation}"]
        if at_head:
            steps.append(
                "Remove it from the current files and read it from the environment or a "
                f"secret manager: {_listing(at_head)}"
            )
        steps.append("Then purge it from history (below).")
        # a grid gives wrapped lines a hanging indent under their step number
        grid = Table.grid(padding=(0, 1, 0, 0))
        grid.add_column(no_wrap=True, justify="right", min_width=4)
        grid.add_column(overflow="fold")  # long URLs wrap instead of being cut
        for number, step in enumerate(steps, start=1):
            grid.add_row(f"{number}.", Text(step))
        for ref in rule.references:
            grid.add_row("", Text(f"See {ref}"))
        console.print(grid)
    console.print(Text(PURGE_STEPS))


def _listing(paths: list[str]) -> str:
    shown = ", ".join(paths[:MAX_LISTED_PATHS])
    rest = len(paths) - MAX_LISTED_PATHS
    return f"{shown} and {rest} more" if rest > 0 else shown


def _by_rule(findings: list[Finding]) -> list[tuple[RuleInfo, list[Finding]]]:
    grouped: dict[str, tuple[RuleInfo, list[Finding]]] = {}
    for finding in findings:  # already most severe first
        grouped.setdefault(finding.rule.id, (finding.rule, []))[1].append(finding)
    return list(grouped.values())


def _grand_total(results: list[ScanResult]) -> str:
    findings = sum(len(r.findings) for r in results)
    suppressed = sum(r.suppressed for r in results)
    return (
        f"Total: {_plural(findings, 'finding')} in {_plural(len(results), 'repository')}, "
        f"{suppressed} suppressed"
    )


def _plural(count: int, noun: str) -> str:
    if count == 1:
        return f"1 {noun}"
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{count:,} {plural}"

"""The terminal report: one row per secret by severity, a summary, and what to do per rule."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING, TextIO

from scaffold.report.common import plural, scrub, sorted_results
from scaffold.scan.grouping import Location, Secret, View, group, held_back_line
from scaffold.scan.model import Liveness, RuleInfo, ScanResult, Severity, SourceKind, redact

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


def report(
    results: Sequence[ScanResult],
    out: TextIO,
    *,
    show_secrets: bool = False,
    view: View | None = None,
    all_refs: bool = False,
) -> None:
    """Render for a person: colour only when `out` is a terminal, width from the terminal."""
    del all_refs  # a person reads where a secret is, not every branch it is in
    render(results, out, show_secrets=show_secrets, view=view)


def render(
    results: Sequence[ScanResult],
    out: TextIO,
    *,
    show_secrets: bool = False,
    view: View | None = None,
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
        _render_result(console, result, show_secrets, view or View())
    if len(ordered) > 1:
        console.print()
        console.print(_grand_total(ordered, view or View()), style="bold")
    text = buffer.getvalue()
    if not is_tty:  # rich pads cells to the full width; files and pipes get no trailing blanks
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    out.write(text)


def _render_result(console: Console, result: ScanResult, show_secrets: bool, view: View) -> None:
    from rich.text import Text

    shown, held = view.split(group(result))
    console.print(Text(f"scaffold scan: {result.repository}", style="bold"))
    if shown:
        console.print(_table(shown[:MAX_TABLE_ROWS], show_secrets))
        if len(shown) > MAX_TABLE_ROWS:
            hidden = len(shown) - MAX_TABLE_ROWS
            console.print(
                Text(
                    f"… {plural(hidden, 'more secret')} not shown (the least severe); "
                    "`--format json` or `--format sarif` lists every one.",
                    style="yellow",
                )
            )
        if show_secrets:
            console.print(
                Text("Full secrets are shown (--show-secrets): keep this output private.", "red")
            )
    else:
        console.print(Text("No secrets to act on." if held else "No secrets found.", "green"))
    console.print()
    _render_summary(console, result, shown, held)
    if shown:
        console.print()
        _render_actions(console, shown)


def _table(secrets: list[Secret], show_secrets: bool) -> Table:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    # three columns, a few lines each, so an 80-column terminal still has room for the path
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, leading=1)
    table.add_column("Severity / rule", overflow="fold", max_width=36)
    table.add_column("Where (newest place; introduced by)", overflow="fold", ratio=1)
    # a shown secret may be long or span lines (a PEM key): fold it rather than crop it
    table.add_column("Secret / ID", no_wrap=not show_secrets, overflow="fold")
    for (_, severity), rows in groupby(secrets, key=_section):
        listed = list(rows)
        for position, secret in enumerate(listed):
            value = secret.match.secret
            table.add_row(
                Text(severity.upper(), style=SEVERITY_STYLE[severity])
                + f"\n{secret.rule.id}"
                + Text(f"\n{secret.confidence} · {secret.context}", style="dim")
                + _liveness(secret),
                Text(scrub(_place(secret.newest, secret.in_head), value, show_secrets=show_secrets))
                + Text(scrub(_introduced(secret), value, show_secrets=show_secrets), style="dim"),
                Text(_preview(secret, show_secrets), style="magenta")
                + Text(f"\n{secret.fingerprint[:12]}", style="dim"),
                end_section=position == len(listed) - 1,
            )
    return table


def _preview(secret: Secret, show_secrets: bool) -> str:
    return secret.match.secret if show_secrets else redact(secret.match.secret)


def _section(secret: Secret) -> tuple[str, Severity]:
    """Table sections: live secrets first (when verified), then by severity."""
    answer = secret.verification
    return (str(answer.status) if answer else "", secret.rule.severity)


LIVENESS_STYLE = {"live": "bold red", "revoked/invalid": "green", "unknown": "yellow"}


def _liveness(secret: Secret) -> Text:
    from rich.text import Text

    answer = secret.verification
    if answer is None:
        return Text("")
    return Text(f"\n{str(answer.status).upper()}", style=LIVENESS_STYLE[str(answer.status)])


def _place(location: Location, in_head: bool) -> str:
    if location.source is SourceKind.COMMIT_MESSAGE:
        return f"commit message {location.object_id[:7]}, line {location.line}"
    path = location.path or f"blob {location.object_id[:12]}"
    head = " (at HEAD)" if in_head else ""
    return f"{path}:{location.line}{head}"


def _introduced(secret: Secret) -> str:
    first = secret.first
    places = len(secret.locations)
    commits = len({loc.commit for loc in secret.locations if loc.commit})
    counted = f"\n{plural(places, 'place')}" + (
        f" in {plural(commits, 'commit')}" if commits > 1 else ""
    )
    if not first.commit:
        staged = first.source is not SourceKind.COMMIT_MESSAGE
        return ("\nnot committed" if staged else "") + (counted if places > 1 else "")
    where = f" {first.path}:{first.line}" if places > 1 and first.path else ""
    introduced = f"\nintroduced {first.commit[:7]} {first.date[:10]} {first.author_name}{where}"
    return introduced + (counted if places > 1 else "")


def _render_summary(
    console: Console, result: ScanResult, shown: list[Secret], held: list[Secret]
) -> None:
    from rich.text import Text

    files = len({loc.path for s in shown for loc in s.locations if loc.path})
    messages = len({loc.object_id for s in shown for loc in s.locations if not loc.path})
    where = plural(files, "file")
    if messages:
        where += f" and {plural(messages, 'commit message')}"
    places = sum(len(s.locations) for s in shown)
    line = (
        f"{plural(len(shown), 'secret')} ({plural(places, 'place')}) in {where}, "
        f"{result.suppressed} suppressed"
    )
    console.print(Text(line, style="bold red" if shown else "bold green"))
    if held:
        console.print(Text(held_back_line(held), style="yellow"))
    checked = [s for s in shown if s.verification is not None]
    if checked:
        statuses = [str(s.verification.status) for s in checked if s.verification is not None]
        counts = {str(status): statuses.count(str(status)) for status in Liveness}
        told = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
        console.print(Text(f"Checked with the providers: {told}", style="bold"))
        for secret in checked[:MAX_REASONS]:
            answer = secret.verification
            assert answer is not None
            console.print(
                Text(
                    f"  {secret.fingerprint[:12]} {answer.status}: ",
                    style=LIVENESS_STYLE[str(answer.status)],
                )
                + Text(scrub(answer.reason, secret.match.secret))
            )
    stats = result.stats
    if result.extra.get("source") == "directory":  # plain files: no blobs, no commits
        read = f"{plural(stats.blobs_scanned, 'file')} ({stats.bytes_scanned / 1e6:.1f} MB)"
    else:
        read = (
            f"{plural(stats.blobs_scanned, 'blob')} ({stats.bytes_scanned / 1e6:.1f} MB) "
            f"from {plural(stats.commits_seen, 'commit')}"
        )
    console.print(f"Scanned {read} in {stats.seconds:.2f} s")
    for warning in result.warnings:
        console.print(Text(f"warning: {warning}", style="yellow"))
    if not result.complete:
        console.print(
            Text("Scan incomplete: part of what was asked for was not read", style="bold red")
        )
        for gap in result.gaps:
            console.print(Text(f"  - {gap}"))
    if result.skipped:
        console.print(Text(f"Not scanned ({plural(len(result.skipped), 'item')}):", "yellow"))
        for item in sorted(result.skipped, key=lambda s: (s.path, s.object_id, s.reason)):
            short = item.object_id[:12]
            place = f"{item.place} ({short})" if item.path and short != item.path else short
            size = f", {item.size:,} bytes" if item.size else ""
            console.print(Text(f"  - {place}{size}: {item.reason}"))


def _render_actions(console: Console, secrets: list[Secret]) -> None:
    from rich.table import Table
    from rich.text import Text

    console.print(Text("What to do", style="bold underline"))
    for rule, same in _by_rule(secrets):
        at_head = sorted(
            {scrub(s.newest.path, s.match.secret) for s in same if s.in_head and s.newest.path}
        )
        count = plural(len(same), "secret")
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


def _by_rule(secrets: list[Secret]) -> list[tuple[RuleInfo, list[Secret]]]:
    grouped: dict[str, tuple[RuleInfo, list[Secret]]] = {}
    for secret in secrets:  # already most severe first
        grouped.setdefault(secret.rule.id, (secret.rule, []))[1].append(secret)
    return list(grouped.values())


def _grand_total(results: list[ScanResult], view: View) -> str:
    shown = [view.split(group(r))[0] for r in results]
    suppressed = sum(r.suppressed for r in results)
    return (
        f"Total: {plural(sum(map(len, shown)), 'secret')} in "
        f"{plural(len(results), 'repository')}, {suppressed} suppressed"
    )

"""The top of the HTML page: incomplete scans, counts by severity and repository, and a timeline.

The timeline is an inline SVG bar chart of when each secret was first committed (by month over
a short history, by year over a long one): no chart library, nothing to fetch.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from html import escape

from scaffold.report.html.entries import Entry, Page, Repository, common_parent
from scaffold.scan.model import SEVERITY_ORDER, Severity

LEVELS = sorted(Severity, key=SEVERITY_ORDER.__getitem__)
MAX_REPOSITORY_ROWS = 12  # past this, the rest of the repositories fold away
MAX_LISTED = 5  # skipped objects listed per repository
CHART_WIDTH = 440
_DATED = re.compile(r"^\d{4}-\d{2}")


def plural(count: int, noun: str) -> str:
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("ry") else f"{count} {noun}s"


def breakable(text: str) -> str:
    """Escaped, with line-break chances after each slash: paths wrap at their parts."""
    return escape(text).replace("/", "/<wbr>")


def notices(page: Page) -> str:
    """What was not read, near the top: a report of an incomplete scan must say so first."""
    broken = [r for r in page.repositories if r.status != "ok"]
    warned = [r for r in page.repositories if r.status == "ok" and r.result.warnings]
    if not broken and not warned:
        return ""
    parts = ['<section class="notices" aria-label="Scan problems">']
    if broken:
        total = len(page.repositories)
        heading = (
            f"Scan incomplete for {len(broken)} of {plural(total, 'repository')}"
            if page.several
            else "Scan incomplete"
        )
        parts.append(
            f'<div class="notice bad"><h2>{heading}</h2>'
            "<p>Part of what was asked for was not read: secrets there are not in this report."
            "</p><ul>"
        )
        parts.extend(_problems(r) for r in broken)
        parts.append("</ul></div>")
    if warned:
        parts.append('<div class="notice warn"><h2>Warnings</h2><ul>')
        parts.extend(_problems(r) for r in warned)
        parts.append("</ul></div>")
    parts.append("</section>\n")
    return "".join(parts)


def _problems(repo: Repository) -> str:
    result = repo.result
    lines = [escape(line) for line in (*result.warnings, *result.gaps)]
    skipped = sorted(result.skipped, key=lambda s: (s.path, s.object_id, s.reason))
    if skipped:
        listed = ", ".join(
            f"<code>{escape(item.place if item.path else item.object_id[:12])}</code> "
            f"({escape(item.reason)})"
            for item in skipped[:MAX_LISTED]
        )
        more = len(skipped) - MAX_LISTED
        tail = f" and {more} more" if more > 0 else ""
        lines.append(f"{plural(len(skipped), 'object')} not scanned: {listed}{tail}")
    state = {"failed": "scan failed", "incomplete": "incomplete"}.get(repo.status, "")
    label = f"{_repo_name(repo)}{f' ({state})' if state else ''}"
    items = "".join(f"<li>{line}</li>" for line in lines)
    return f"<li><b>{label}</b><ul>{items}</ul></li>"


def _repo_name(repo: Repository) -> str:
    return f'<span title="{escape(repo.result.repository)}">{escape(repo.label)}</span>'


def overview(page: Page) -> str:
    return (
        '<section class="overview" aria-label="Overview">'
        f"{_by_severity(page)}{_by_repository(page)}{_timeline(page)}</section>\n"
    )


def _filter_button(key: str, value: str, text: str, title: str = "") -> str:
    hint = f' title="{escape(title)}"' if title else ""
    return (
        f'<button type="button" class="pick" data-filter="{key}" data-value="{escape(value)}"'
        f"{hint}>{text}</button>"
    )


def _by_severity(page: Page) -> str:
    shown = Counter(e.secret.rule.severity for e in page.entries if e.shown)
    held = Counter(e.secret.rule.severity for e in page.entries if not e.shown)
    rows = "".join(
        f'<tr><th scope="row">{_filter_button("severity", str(level), _badge(level))}</th>'
        f'<td class="num">{shown[level]}</td><td class="num muted">{held[level]}</td></tr>'
        for level in LEVELS
    )
    live = sum(1 for e in page.entries if e.secret.live)
    live_line = (
        f'<p class="live-line"><span class="badge live">LIVE</span> {plural(live, "secret")} '
        "the provider said is live: listed first</p>"
        if live
        else ""
    )
    return (
        '<div class="card"><h2>By severity</h2><table class="counts"><thead><tr><th></th>'
        '<th class="num">act on</th><th class="num">held</th></tr></thead>'
        f"<tbody>{rows}</tbody><tfoot><tr><th>total</th>"
        f'<td class="num">{sum(shown.values())}</td>'
        f'<td class="num muted">{sum(held.values())}</td></tr></tfoot></table>{live_line}</div>'
    )


def _badge(level: Severity) -> str:
    return f'<span class="badge {level}">{level}</span>'


def _by_repository(page: Page) -> str:
    tallies = {repo.index: [0, 0, 0] for repo in page.repositories}
    for entry in page.entries:
        tally = tallies[entry.repository.index]
        tally[0 if entry.shown else 1] += 1
        tally[2] += entry.secret.in_head
    # the worst first: a person reads the top of a long organisation list
    ordered = sorted(
        page.repositories, key=lambda r: (-tallies[r.index][0], -sum(tallies[r.index][:2]))
    )
    parent = common_parent([r.result.repository for r in page.repositories]) if page.several else ""
    rows = [_repository_row(repo, tallies[repo.index], page.several, parent) for repo in ordered]
    body = "".join(rows[:MAX_REPOSITORY_ROWS])
    rest = rows[MAX_REPOSITORY_ROWS:]
    folded = (
        f'<details class="more-repos"><summary>{plural(len(rest), "more repository")}'
        f'</summary><table class="counts"><tbody>{"".join(rest)}</tbody></table></details>'
        if rest
        else ""
    )
    under = f'<p class="under">in <code>{breakable(parent)}</code></p>' if parent else ""
    return (
        f'<div class="card"><h2>By repository</h2>{under}<table class="counts repos"><thead><tr>'
        '<th>repository</th><th class="num">act on</th><th class="num">held</th>'
        '<th class="num" title="secrets still in the tip of the default branch">at HEAD</th>'
        "<th>scan</th></tr></thead>"
        f"<tbody>{body}</tbody></table>{folded}</div>"
    )


def _repository_row(repo: Repository, tally: list[int], several: bool, parent: str) -> str:
    name = escape(repo.label)
    path = ""
    if several:
        full = repo.result.repository
        name = _filter_button("repo", str(repo.index), name, full)
        # the path once, here: what the shared parent above and the name leave unsaid
        rest = full[len(parent) :]
        if rest.rstrip("/") != repo.label:
            path = f'<div class="path">{breakable(rest)}</div>'
    status = {"ok": "complete", "incomplete": "incomplete", "failed": "failed"}[repo.status]
    return (
        f'<tr><th scope="row">{name}{path}</th>'
        f'<td class="num">{tally[0]}</td><td class="num muted">{tally[1]}</td>'
        f'<td class="num">{tally[2]}</td><td class="status-{repo.status}">{status}</td></tr>'
    )


def periods(dates: Sequence[str]) -> tuple[str, list[str]]:
    """("year" or "month", every period from the first date to the last, gaps included)."""
    years = sorted({int(d[:4]) for d in dates})
    if years[-1] - years[0] >= 2:
        return "year", [str(y) for y in range(years[0], years[-1] + 1)]
    months = sorted({d[:7] for d in dates})
    year, month = int(months[0][:4]), int(months[0][5:7])
    out: list[str] = []
    while f"{year:04d}-{month:02d}" <= months[-1]:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return "month", out


def _timeline(page: Page) -> str:
    dated = [e for e in page.entries if _DATED.match(e.secret.first.date)]
    undated = len(page.entries) - len(dated)
    note = (
        f'<p class="muted">{plural(undated, "secret")} not yet committed (no date)</p>'
        if undated
        else ""
    )
    if not dated:
        return (
            '<div class="card chart-card"><h2>Introduced over time</h2>'
            f'<p class="muted">No committed secrets to chart.</p>{note}</div>'
        )
    unit, names = periods([e.secret.first.date for e in dated])
    width = 7 if unit == "month" else 4
    buckets: dict[str, list[Entry]] = {name: [] for name in names}
    for entry in dated:
        buckets[entry.secret.first.date[:width]].append(entry)
    legend = (
        "".join(f'<span><i class="key bar-{level}"></i>{level}</span>' for level in LEVELS)
        + '<span><i class="key bar-held"></i>held back</span>'
    )
    return (
        f'<div class="card chart-card"><h2>Introduced over time <span class="muted">by {unit} of '
        f"the first commit</span></h2>{_chart(buckets)}"
        f'<div class="legend">{legend}</div>{note}</div>'
    )


def _chart(buckets: dict[str, list[Entry]]) -> str:
    count = len(buckets)
    # sized for the overview's chart card (about 460 px wide at 1,280-1,400 px), never upscaled
    slot = max(8, min(40, CHART_WIDTH // count))
    left, top, plot, bottom = 18, 14, 96, 18
    width, height = left * 2 + count * slot, top + plot + bottom
    highest = max(len(entries) for entries in buckets.values())
    # a label is about 6.5 px a character at 10 px; label every k-th bar so they never overlap
    label_every = math.ceil((len(next(iter(buckets))) * 6.5 + 4) / slot)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="Secrets by first introduction">'
        f'<line class="axis" x1="{left}" y1="{top + plot}" x2="{width - left}" '
        f'y2="{top + plot}"/>'
    ]
    for position, (name, entries) in enumerate(buckets.items()):
        gap = 2 if slot >= 12 else 1
        x = left + position * slot + gap
        bar = slot - 2 * gap
        y = float(top + plot)
        segments = [
            (f"bar-{level}", sum(1 for e in entries if e.shown and e.secret.rule.severity is level))
            for level in LEVELS
        ]
        segments.append(("bar-held", sum(1 for e in entries if not e.shown)))
        detail = ", ".join(f"{n} {cls[4:]}" for cls, n in segments if n)
        title = f"{name}: {plural(len(entries), 'secret')}{f' ({detail})' if detail else ''}"
        parts.append(f"<g><title>{escape(title)}</title>")
        for cls, n in segments:
            if n:
                tall = n / highest * plot
                y -= tall
                parts.append(
                    f'<rect class="{cls}" x="{x}" y="{y:.1f}" width="{bar}" height="{tall:.1f}"/>'
                )
        if entries and slot >= 16:
            parts.append(
                f'<text class="count" x="{x + bar / 2:.1f}" y="{y - 3:.1f}">{len(entries)}</text>'
            )
        parts.append("</g>")
        if position % label_every == 0:
            parts.append(
                f'<text class="label" x="{x + bar / 2:.1f}" y="{height - 4}">{escape(name)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)

"""The secrets table of the HTML page: one row per secret, its fix and places in a <details>.

Every piece of text from a scanned repository (paths, authors, commit summaries) is escaped and
has the row's secret redacted out of it: those are attacker-controlled strings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from html import escape

from scaffold.report.common import scrub
from scaffold.report.html.entries import Entry, Page
from scaffold.report.html.overview import LEVELS, plural
from scaffold.scan.grouping import CONFIDENCE_ORDER, Location, Secret, held_back_line
from scaffold.scan.model import SEVERITY_ORDER, Confidence, Context, Liveness, SourceKind, redact

MAX_PLACES = 10  # places listed in a row's detail; the rest are counted
MAX_REFS = 5
SHORT_ID = 12  # fingerprint digits shown (scan, rotate and purge accept 8 or more)
NOTHING_TO_ACT_ON = "Nothing to act on: every secret found is held back (see above)."
HELD_TIP = "not in the default view (see the line above the table)"
_Clean = Callable[[str], str]  # escapes text and redacts the row's secret out of it


def _columns(several: bool) -> list[tuple[str, str, str, str]]:
    """(key, heading, tooltip, CSS width) of each column; sorting keys match the row's data."""
    # the short columns are sized to their words; the rest share what is left
    columns = [
        ("severity", "Severity", "live first, then most severe", "6.5em"),
        ("rule", "Secret", "rule, provider, redacted preview and fingerprint", "27%"),
        ("repo", "Repository", "", "12%"),
        ("first", "First introduced", "the oldest commit that added it", "30%"),
        ("places", "Places", "every blob version, path and commit it is in", "18%"),
        ("head", "At HEAD", "still in the tip of the default branch", "5.5em"),
        ("confidence", "Confidence", "high: a provider format or a valid checksum", "7.5em"),
        ("context", "Context", "the kind of file it sits in", "6.5em"),
    ]
    if not several:
        # the repository column's room goes to the rule and the paths
        wider = {"rule": "30%", "first": "35%", "places": "22%"}
        columns = [(k, h, t, wider.get(k, w)) for k, h, t, w in columns if k != "repo"]
    return columns


def filters(page: Page) -> str:
    """The filter bar: a select per facet (with counts), a search box and the held-back switch."""
    entries = page.entries
    severity = Counter(str(e.secret.rule.severity) for e in entries)
    confidence = Counter(str(e.secret.confidence) for e in entries)
    context = Counter(str(e.secret.context) for e in entries)
    selects = [
        _select("severity", "Severity", [(str(s), str(s), severity[str(s)]) for s in LEVELS]),
        _select(
            "confidence",
            "Confidence",
            [(str(c), str(c), confidence[str(c)]) for c in sorted(Confidence, key=_rank)],
        ),
        _select("context", "Context", [(str(c), str(c), context[str(c)]) for c in Context]),
    ]
    if page.several:
        by_repo = Counter(e.repository.index for e in entries)
        selects.append(
            _select(
                "repo",
                "Repository",
                [(str(r.index), r.label, by_repo[r.index]) for r in page.repositories],
            )
        )
    head = Counter("yes" if e.secret.in_head else "no" for e in entries)
    selects.append(
        _select(
            "head",
            "At HEAD",
            [("yes", "still at HEAD", head["yes"]), ("no", "history only", head["no"])],
        )
    )
    held = page.held
    switch = ""
    if held:
        line = held_back_line(held)
        said, _, flags = line.partition(": show with ")
        switch = (
            f'<p class="held-line" id="held-line">{escape(said)}. '
            f'<label class="switch"><input type="checkbox" name="held" id="show-held"> '
            f"show them</label>"
            + (
                f' <span class="muted">(terminal: <code>{escape(flags)}</code>)</span>'
                if flags
                else ""
            )
            + "</p>"
        )
    shown = sum(1 for e in entries if e.shown)
    return (
        '<form id="filters" class="filters" role="search">'
        f'<div class="facets">{"".join(selects)}'
        '<label class="facet search"><span>Search</span>'
        '<input type="search" name="q" placeholder="rule, path, author"></label>'
        '<button type="reset" class="reset">Clear</button></div>'
        f"{switch}"
        f'<p class="status" id="status" aria-live="polite">Showing {shown} of '
        f"{plural(len(entries), 'secret')}.</p></form>\n"
    )


def _rank(confidence: Confidence) -> int:
    return CONFIDENCE_ORDER[confidence]


def _select(name: str, label: str, options: Iterable[tuple[str, str, int]]) -> str:
    items = "".join(
        f'<option value="{escape(value)}">{escape(text)} ({count})</option>'
        for value, text, count in options
        if count
    )
    return (
        f'<label class="facet"><span>{label}</span><select name="{name}">'
        f'<option value="">any</option>{items}</select></label>'
    )


def table(page: Page) -> str:
    if not page.entries:
        return '<p class="empty">No secrets found.</p>\n'
    columns = _columns(page.several)
    cols = "".join(f'<col style="width:{width}">' for *_, width in columns)
    heads = "".join(
        f'<th scope="col"><button type="button" data-sort="{key}"'
        f"{' data-first=descending' if key == 'places' else ''}"
        f"{f' title={_attr(tip)}' if tip else ''}>{heading}</button></th>"
        for key, heading, tip, _ in columns
    )
    rows = "".join(_row(entry, page.several, len(columns)) for entry in page.entries)
    # the script rewords this as filters change; it starts as the default view's answer
    hidden = " hidden" if any(e.shown for e in page.entries) else ""
    return (
        f'<table id="secrets" class="secrets"><colgroup>{cols}</colgroup>'
        f"<thead><tr>{heads}</tr></thead>\n{rows}</table>\n"
        f'<p class="nothing" id="nothing"{hidden}>{NOTHING_TO_ACT_ON}</p>\n'
    )


def _attr(text: str) -> str:
    return f'"{escape(text)}"'


def _row(entry: Entry, several: bool, width: int) -> str:
    secret = entry.secret
    first = secret.first

    def clean(text: str) -> str:
        return escape(scrub(text, secret.match.secret))

    paths = sorted({loc.path for loc in secret.locations if loc.path})[:MAX_PLACES]
    rule = secret.rule
    who = (first.author_name, first.author_email)
    searchable = " ".join((rule.id, rule.provider, entry.repository.label, *paths, *who))
    data = {
        "severity": str(secret.rule.severity),
        "confidence": str(secret.confidence),
        "context": str(secret.context),
        "repo": str(entry.repository.index),
        "head": "yes" if secret.in_head else "no",
        "held": "0" if entry.shown else "1",
        "order": str(entry.order),
        "sort-severity": f"{0 if secret.live else 1}{SEVERITY_ORDER[secret.rule.severity]}",
        "sort-rule": secret.rule.id,
        "sort-repo": entry.repository.label,
        "sort-first": first.date or "~",  # undated (not yet committed) sorts last
        "sort-places": str(len(secret.locations)),
        "sort-head": "0" if secret.in_head else "1",
        "sort-confidence": str(CONFIDENCE_ORDER[secret.confidence]),
        "sort-context": str(secret.context),
        "text": scrub(searchable, secret.match.secret).lower(),
    }
    attrs = "".join(f' data-{key}="{escape(value)}"' for key, value in data.items())
    hidden = "" if entry.shown else " hidden"
    held = "" if entry.shown else f' <span class="tag" title="{HELD_TIP}">held back</span>'
    repo = (
        f'<td><span class="repo" title="{escape(entry.repository.result.repository)}">'
        f"{escape(entry.repository.label)}</span></td>"
        if several
        else ""
    )
    head = '<td class="head-yes">yes</td>' if secret.in_head else '<td class="muted">no</td>'
    return (
        f'<tbody class="secret{"" if entry.shown else " held"}"{attrs}{hidden}>'
        f"<tr>{_severity_cell(secret)}{_secret_cell(secret)}{repo}"
        f"<td>{_place(first, clean, introduced=True)}</td>"
        f"<td>{_places_cell(secret, clean)}</td>{head}"
        f'<td><span class="conf-{secret.confidence}">{secret.confidence}</span>{held}</td>'
        f"<td>{secret.context}</td></tr>"
        f'<tr class="more"><td colspan="{width}">{_detail(secret, clean)}</td></tr>'
        "</tbody>\n"
    )


def _severity_cell(secret: Secret) -> str:
    severity = secret.rule.severity
    cell = f'<span class="badge {severity}">{severity}</span>'
    answer = secret.verification
    if answer is not None:
        name = {Liveness.LIVE: "live", Liveness.REVOKED: "revoked", Liveness.UNKNOWN: "unknown"}
        cell += (
            f' <span class="badge {name[answer.status]}" title="checked with the provider">'
            f"{escape(str(answer.status).upper())}</span>"
        )
    return f"<td>{cell}</td>"


def _secret_cell(secret: Secret) -> str:
    rule = secret.rule
    return (
        f'<td><div class="rule">{escape(rule.id)}</div>'
        f'<div class="sub one-line" title="{escape(rule.description)}">{escape(rule.provider)} · '
        f"{escape(rule.description)}</div>"
        f'<code class="preview" title="redacted preview">{escape(redact(secret.match.secret))}'
        f'</code> <code class="fp" title="{escape(secret.fingerprint)}">'
        f"{escape(secret.fingerprint[:SHORT_ID])}</code></td>"
    )


def _where(location: Location, clean: _Clean) -> str:
    if location.source is SourceKind.COMMIT_MESSAGE:
        return '<span class="path">commit message</span>'
    path = location.path or f"blob {location.object_id[:SHORT_ID]}"
    shown = clean(path).replace("/", "/<wbr>")  # paths wrap at their parts
    return f'<span class="path">{shown}</span><span class="line">:{location.line}</span>'


def _when(location: Location, clean: _Clean) -> str:
    if not location.commit:
        return "not committed"
    who = (
        f'<span title="{clean(location.author_email)}">{clean(location.author_name)}</span>'
        if location.author_name
        else clean(location.author_email)
    )
    return (
        f"{escape(location.date[:10])} · {who} · "
        f'<code title="{escape(location.commit)}">{escape(location.commit[:7])}</code>'
    )


def _place(location: Location, clean: _Clean, *, introduced: bool = False) -> str:
    summary = (
        f'<div class="sub summary">“{clean(location.summary)}”</div>'
        if introduced and location.source is SourceKind.COMMIT_MESSAGE and location.summary
        else ""
    )
    return f'{_where(location, clean)}<div class="sub">{_when(location, clean)}</div>{summary}'


def _places_cell(secret: Secret, clean: _Clean) -> str:
    count = len(secret.locations)
    paths = len({loc.path for loc in secret.locations})
    where = f" in {plural(paths, 'path')}" if paths > 1 else ""
    noun = "place" if count == 1 else "places"
    cell = f'<span class="places"><b>{count}</b> {noun}{where}</span>'
    if count > 1:
        newest = secret.newest
        cell += (
            f'<div class="sub">newest{f" {escape(newest.date[:10])}" if newest.date else ""}: '
            f"{_where(newest, clean)}</div>"
        )
    return cell


def _detail(secret: Secret, clean: _Clean) -> str:
    rule = secret.rule
    count = len(secret.locations)
    steps = [f"<li>Rotate it first: {escape(rule.remediation)}</li>"]
    if secret.in_head:
        steps.append(
            "<li>Remove it from the current files and read it from the environment or a secret "
            "manager.</li>"
        )
    short = secret.fingerprint[:SHORT_ID]
    steps.append(
        f"<li>Then purge it from history: <code>scaffold purge . --fingerprint {short}</code> "
        "in a clone's work tree (after a bundle backup; force-push steps follow).</li>"
    )
    refs = "".join(
        f'<li><a href="{escape(ref)}" rel="noreferrer noopener">{escape(ref)}</a></li>'
        if ref.startswith("https://")
        else f"<li>{escape(ref)}</li>"
        for ref in rule.references
    )
    verified = ""
    if secret.verification is not None:
        answer = secret.verification
        verified = (
            f"<p><b>Provider check:</b> {escape(str(answer.status))}: {clean(answer.reason)} "
            f'<span class="muted">({escape(answer.checked_at)})</span></p>'
        )
    places = "".join(f"<li>{_listed(loc, clean)}</li>" for loc in secret.locations[:MAX_PLACES])
    if count > MAX_PLACES:
        places += f'<li class="muted">and {count - MAX_PLACES} more</li>'
    ref_names = ", ".join(f"<code>{clean(ref)}</code>" for ref in secret.refs[:MAX_REFS])
    more_refs = len(secret.refs) - MAX_REFS
    on_refs = (
        f"<p>On {plural(len(secret.refs), 'ref')}: {ref_names}"
        f"{f' and {more_refs} more' if more_refs > 0 else ''}</p>"
        if secret.refs
        else ""
    )
    return (
        f"<details><summary>What to do · {plural(count, 'place')}</summary>"
        '<div class="detail"><div>'
        f'<h3>What to do</h3><p class="sub">{escape(rule.description)} '
        f"({escape(rule.provider)}, {rule.severity}, {secret.confidence} confidence)</p>"
        f"{verified}<ol>{''.join(steps)}</ol>"
        f"<p>The provider's rotation runbook: <code>scaffold rotate {short}</code></p>"
        f"{f'<ul class=refs>{refs}</ul>' if refs else ''}</div>"
        f'<div><h3>Places, oldest first</h3><ol class="places-list">{places}</ol>{on_refs}'
        f'<p>Fingerprint <code class="fp-full">{escape(secret.fingerprint)}</code></p>'
        "</div></div></details>"
    )


def _listed(location: Location, clean: _Clean) -> str:
    said = location.summary
    summary = f' <span class="summary">“{clean(said)}”</span>' if said else ""
    return (
        f'{_where(location, clean)} <span class="tag">{location.context}</span>'
        f'<div class="sub">{_when(location, clean)}{summary}</div>'
    )

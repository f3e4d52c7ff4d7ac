"""A self-contained HTML report (no scripts, no external files): scorecards and a matrix."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TextIO

from scaffold.audit.model import LEVELS, RepoAudit, Scope
from scaffold.audit.report.terminal import MARK

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}h3{font-size:1rem;margin:1.2rem 0 .3rem}
table{border-collapse:collapse}
td,th{border:1px solid #d0d7de;padding:.25rem .5rem;vertical-align:top}
th{background:#f6f8fa;text-align:left}.fix{color:#57606a;font-size:.9em}.where{font-family:monospace}
.level{font-weight:600}
"""


def _row(o: object, out: TextIO) -> None:
    from scaffold.audit.model import Outcome, Status

    assert isinstance(o, Outcome)
    places = "<br>".join(
        f'<span class="where">{escape(str(loc))}</span> {escape(loc.message)}'
        for loc in o.verdict.locations[:20]
    )
    fix = (
        f'<div class="fix">{escape(o.check.fix)} See {escape(o.check.reference)}.</div>'
        if o.status == Status.FAIL
        else ""
    )
    out.write(
        f"<tr><td>{MARK[o.status]}</td><td><b>{escape(o.check.id)}</b><br>"
        f"{escape(o.check.title)}</td><td>{escape(o.verdict.reason)}{fix}</td>"
        f"<td>{places}</td></tr>\n"
    )


def report(audits: Sequence[RepoAudit], out: TextIO) -> None:
    out.write('<!doctype html><html lang="en"><head><meta charset="utf-8">')
    out.write(f"<title>scaffold audit</title><style>{_STYLE}</style></head><body>\n")
    out.write("<h1>Production readiness audit</h1>\n")
    if len(audits) > 1:
        checks = [o.check for o in audits[0].outcomes]
        out.write("<table><tr><th>check</th>")
        for audit in audits:
            out.write(f"<th>{escape(audit.repository.rsplit('/', 1)[-1])}</th>")
        out.write("</tr>\n")
        for check in checks:
            out.write(f"<tr><td>L{check.level} {escape(check.id)}</td>")
            for audit in audits:
                status = next((o.status for o in audit.outcomes if o.check.id == check.id), None)
                out.write(f"<td>{MARK[status] if status else ''}</td>")
            out.write("</tr>\n")
        out.write("<tr><th>level</th>")
        out.write("".join(f'<td class="level">{a.level}</td>' for a in audits))
        out.write("</tr></table>\n")
    for audit in audits:
        name = LEVELS.get(audit.level, "not yet survivable")
        out.write(f"<h2>{escape(audit.repository)}</h2>\n")
        out.write(f'<p class="level">Level {audit.level} of {len(LEVELS)}: {escape(name)}')
        if audit.incomplete:
            out.write(" (audit incomplete)")
        out.write("</p>\n")
        for level, title in LEVELS.items():
            rows = [o for o in audit.scoped(Scope.REPOSITORY) if o.check.level == level]
            out.write(f"<h3>Level {level} · {escape(title)}</h3><table>\n")
            for row in rows:
                _row(row, out)
            out.write("</table>\n")
        account = audit.scoped(Scope.ACCOUNT)
        if account:
            out.write(f"<h3>Account baseline (level {audit.account_level})</h3><table>\n")
            for row in account:
                _row(row, out)
            out.write("</table>\n")
        if audit.problems:
            out.write("<h3>Not read</h3><ul>")
            out.write("".join(f"<li>{escape(p)}</li>" for p in audit.problems))
            out.write("</ul>\n")
    out.write("</body></html>\n")

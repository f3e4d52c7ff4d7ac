"""The HTML report: one self-contained page (no external assets) with sortable tables.

Secrets are never in it, whatever `show_secrets` says: a page gets mailed, attached to tickets
and uploaded as a CI artifact, and it only needs previews and fingerprints to be useful.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TextIO

from scaffold.report.common import (
    SEVERITY_ORDER,
    TOOL_NAME,
    finding_path,
    generated_at,
    preview,
    scrub,
    sorted_findings,
    sorted_results,
    tool_version,
)
from scaffold.scan.grouping import View
from scaffold.scan.model import Finding, ScanResult, Severity

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1b1f24}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right}code{font-size:12px}
.critical{color:#fff;background:#b62324}.high{color:#b62324;font-weight:600}
.medium{color:#9a6700}.low{color:#0969da}.failed{color:#b62324;font-weight:600}
.muted{color:#57606a}
"""

# Click a header to sort by it; click again to reverse. Cells sort by data-sort, else text.
_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.addEventListener("click", function () {
      var down = th.getAttribute("aria-sort") === "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", down ? "descending" : "ascending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var key = function (row) {
        var cell = row.cells[column];
        return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
      };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
        var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return down ? -order : order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""

_LEVELS = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


def report(
    results: Sequence[ScanResult],
    out: TextIO,
    *,
    show_secrets: bool = False,
    view: View | None = None,
    all_refs: bool = False,
) -> None:
    """Write the page; `show_secrets` is accepted for the Reporter signature and ignored."""
    del view, all_refs  # the page filters itself
    ordered = sorted_results(results)
    total = sum(len(r.findings) for r in ordered)
    out.write(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{TOOL_NAME} secret scan report</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{TOOL_NAME} secret scan report</h1>\n"
        f'<p class="muted">{TOOL_NAME} {escape(tool_version())} · generated {generated_at()} · '
        f"{len(ordered)} repositories · {total} findings · secrets are never shown in this "
        "report</p>\n"
    )
    _repositories(ordered, out)
    _findings([f for r in ordered for f in sorted_findings(r.findings)], out)
    out.write(f"<script>{_SCRIPT}</script>\n</body>\n</html>\n")


def _repositories(results: Sequence[ScanResult], out: TextIO) -> None:
    out.write(
        '<h2>Repositories</h2>\n<table class="sortable" id="repositories">\n<thead><tr>'
        "<th>Repository</th><th>Status</th><th>Critical</th><th>High</th><th>Medium</th>"
        "<th>Low</th><th>Blobs scanned</th><th>Scan seconds</th><th>Warnings</th>"
        "</tr></thead>\n<tbody>\n"
    )
    for result in results:
        status = result.extra.get("status", "ok")
        counts = [sum(1 for f in result.findings if f.rule.severity is s) for s in _LEVELS]
        cells = "".join(f'<td class="num">{count}</td>' for count in counts)
        warnings = "<br>".join(escape(w) for w in result.warnings)
        out.write(
            f"<tr><td>{escape(result.repository)}</td>"
            f'<td class="{"failed" if status == "failed" else ""}">{escape(status)}</td>{cells}'
            f'<td class="num">{result.stats.blobs_scanned}</td>'
            f'<td class="num">{result.stats.seconds:.2f}</td><td>{warnings}</td></tr>\n'
        )
    out.write("</tbody>\n</table>\n")


def _findings(findings: Sequence[Finding], out: TextIO) -> None:
    out.write(
        '<h2>Findings</h2>\n<table class="sortable" id="findings">\n<thead><tr>'
        "<th>Severity</th><th>Rule</th><th>Repository</th><th>Path</th><th>Line</th>"
        "<th>Commit</th><th>Author</th><th>Date</th><th>In HEAD</th><th>Preview</th>"
        "<th>Fingerprint</th><th>Remediation</th></tr></thead>\n<tbody>\n"
    )
    for finding in findings:
        out.write(_finding_row(finding))
    out.write("</tbody>\n</table>\n")


def _finding_row(finding: Finding) -> str:
    secret = finding.match.secret
    severity = finding.rule.severity
    first = finding.first
    path = scrub(finding_path(finding), secret) or f"({finding.source})"
    commit = first.commit[:12] if first is not None else ""
    author = scrub(first.author_email, secret) if first is not None else ""
    date = first.date if first is not None else ""
    return (
        f'<tr><td class="{severity}" data-sort="{SEVERITY_ORDER[severity]}">{severity}</td>'
        f"<td>{escape(finding.rule.id)}</td><td>{escape(finding.repository)}</td>"
        f'<td>{escape(path)}</td><td class="num">{finding.match.line}</td>'
        f"<td><code>{escape(commit)}</code></td><td>{escape(author)}</td>"
        f"<td>{escape(date)}</td><td>{'yes' if finding.in_head else 'no'}</td>"
        f"<td><code>{escape(preview(finding, show_secrets=False))}</code></td>"
        f'<td><code title="{escape(finding.fingerprint)}">{escape(finding.fingerprint[:16])}'
        f"</code></td><td>{escape(finding.rule.remediation)}</td></tr>\n"
    )

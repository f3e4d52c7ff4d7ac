"""The HTML report: one self-contained page, one row per secret, filters, sorting and an overview.

Secrets are never in it, whatever `show_secrets` says: a page gets mailed, attached to tickets
and uploaded as a CI artifact, and it only needs previews and fingerprints to be useful. Its
style and script are inline (page.css, page.js beside this file): it opens offline, from disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from html import escape
from importlib.resources import files
from typing import TextIO

from scaffold.report.common import TOOL_NAME, generated_at, tool_version
from scaffold.report.html.entries import Page, build
from scaffold.report.html.overview import breakable, notices, overview, plural
from scaffold.report.html.rows import filters, table
from scaffold.scan.grouping import View
from scaffold.scan.model import ScanResult


@cache
def asset(name: str) -> str:
    return files(__package__).joinpath(name).read_text(encoding="utf-8")


def report(
    results: Sequence[ScanResult],
    out: TextIO,
    *,
    show_secrets: bool = False,
    view: View | None = None,
    all_refs: bool = False,
) -> None:
    """Write the page; `show_secrets` is accepted for the Reporter signature and ignored (a
    page gets mailed and attached). `view` decides which rows open shown; the rest are one
    switch away. Refs are listed a few at a time, whatever `all_refs` says."""
    del show_secrets, all_refs
    out.write(render(build(results, view)))


def render(page: Page) -> str:
    secrets = len(page.entries)
    places = sum(len(e.secret.locations) for e in page.entries)
    if page.several or not page.repositories:
        subject = plural(len(page.repositories), "repository")
        short = subject
    else:
        subject = breakable(page.repositories[0].result.repository)
        short = page.repositories[0].label
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{TOOL_NAME} secret scan: {escape(short)}</title>\n"
        f"<style>{asset('page.css')}</style>\n</head>\n<body>\n<main>\n"
        f'<header><h1>Secret scan report <span class="subject">{subject}</span></h1>\n'
        f'<p class="muted">{plural(secrets, "secret")} in {plural(places, "place")} · '
        f"{TOOL_NAME} {escape(tool_version())} · generated {generated_at()} · secrets are never "
        "shown in this page, only redacted previews and fingerprints</p></header>\n"
        f"{notices(page)}{overview(page)}"
        '<section class="findings" aria-label="Secrets"><h2>Secrets</h2>\n'
        f"{filters(page) if page.entries else ''}{table(page)}"
        "<noscript><p>Sorting and filtering need JavaScript; held-back secrets stay hidden."
        "</p></noscript></section>\n</main>\n"
        f"<script>{asset('page.js')}</script>\n</body>\n</html>\n"
    )

"""Audit reports: one module per format, one signature, registered here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO

from scaffold.audit.model import RepoAudit
from scaffold.audit.report import html, json, sarif, terminal

Reporter = Callable[[Sequence[RepoAudit], TextIO], None]

REPORTERS: dict[str, Reporter] = {
    "terminal": terminal.report,
    "json": json.report,
    "sarif": sarif.report,
    "html": html.report,
}

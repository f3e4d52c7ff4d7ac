"""Scan reports: one signature, one module per format, registered in an explicit table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TextIO

from scaffold.report import baseline, html, incident, json, sarif, terminal
from scaffold.scan.grouping import View
from scaffold.scan.model import ScanResult


class Reporter(Protocol):
    """Render scan results to a stream; the full secret only when show_secrets is set. `view`
    says which secrets a person is shown (default: what to act on; scaffold.scan.grouping),
    `all_refs` lists every ref a secret is reachable from instead of a few."""

    def __call__(
        self,
        results: Sequence[ScanResult],
        out: TextIO,
        *,
        show_secrets: bool = False,
        view: View | None = None,
        all_refs: bool = False,
    ) -> None: ...


REPORTERS: dict[str, Reporter] = {
    "terminal": terminal.report,
    "json": json.report,
    "sarif": sarif.report,
    "baseline": baseline.report,
    "html": html.report,
    "incident": incident.report,
}

FORMATS = tuple(REPORTERS)
# what a report over several repositories can be (a baseline belongs to one repository)
ORG_FORMATS = tuple(name for name in FORMATS if name != "baseline")

__all__ = ["FORMATS", "ORG_FORMATS", "REPORTERS", "Reporter"]

"""Scan reports: one signature, one module per format, registered in an explicit table."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, TextIO, cast

if TYPE_CHECKING:
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


# format -> the module whose `report` renders it
_MODULES = {
    "terminal": "scaffold.report.terminal",
    "json": "scaffold.report.json",
    "sarif": "scaffold.report.sarif",
    "baseline": "scaffold.report.baseline",
    "html": "scaffold.report.html",
    "incident": "scaffold.report.incident",
}


class _Reporters(Mapping[str, Reporter]):
    """The table, each format's module imported when it is first asked for: a scan writing
    JSON does not load the HTML page's code (the formats together cost ~60 ms to import)."""

    def __getitem__(self, name: str) -> Reporter:
        return cast(Reporter, importlib.import_module(_MODULES[name]).report)

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


REPORTERS: Mapping[str, Reporter] = _Reporters()

FORMATS = tuple(REPORTERS)
# what a report over several repositories can be (a baseline belongs to one repository)
ORG_FORMATS = tuple(name for name in FORMATS if name != "baseline")

__all__ = ["FORMATS", "ORG_FORMATS", "REPORTERS", "Reporter"]

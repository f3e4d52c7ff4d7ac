"""Writing an organisation report with the shared output rules (scaffold.report.output)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from scaffold.errors import UsageError
from scaffold.report import ORG_FORMATS
from scaffold.report.output import check_output, emit
from scaffold.scan.grouping import View
from scaffold.scan.model import ScanResult

__all__ = ["check_output", "write_report"]


def write_report(
    results: Sequence[ScanResult],
    fmt: str,
    output: Path | None,
    *,
    force: bool,
    terminal: Callable[[TextIO], None],
    view: View | None = None,
    all_refs: bool = False,
) -> None:
    """Render with the format's reporter (`terminal` draws the organisation summary)."""
    if fmt not in ORG_FORMATS:
        raise UsageError(f"--format {fmt} is not available for several repositories "
                         f"(choose from {', '.join(ORG_FORMATS)})")  # fmt: skip
    if fmt == "terminal":
        emit(terminal, output, force=force)
        return
    from scaffold.report import REPORTERS

    reporter = REPORTERS[fmt]
    emit(
        lambda out: reporter(results, out, show_secrets=False, view=view, all_refs=all_refs),
        output,
        force=force,
    )

"""Writing a rendered report: stdout, or a file replaced atomically (and only with --force)."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from scaffold.errors import UsageError
from scaffold.scan.model import ScanResult

ORG_FORMATS = ("terminal", "json", "sarif", "html")


def check_output(output: Path | None, *, force: bool) -> None:
    """Refuse before scanning anything, not after an hour of work."""
    if output is None:
        return
    if output.is_dir():
        raise UsageError(f"{output} is a directory")
    if output.exists() and not force:
        raise UsageError(f"{output} already exists (use --force to replace it)")
    if not output.parent.is_dir():
        raise UsageError(f"{output.parent}: no such directory")


def write_report(
    results: Sequence[ScanResult],
    fmt: str,
    output: Path | None,
    *,
    force: bool,
    terminal: Callable[[TextIO], None],
) -> None:
    """Render with the format's reporter (`terminal` draws the organisation summary)."""
    if fmt not in ORG_FORMATS:
        raise UsageError(f"--format {fmt} is not available for several repositories "
                         f"(choose from {', '.join(ORG_FORMATS)})")  # fmt: skip
    buffer = io.StringIO()
    if fmt == "terminal":
        terminal(buffer if output is not None else sys.stdout)
    else:
        from scaffold.report import REPORTERS

        REPORTERS[fmt](results, buffer, show_secrets=False)
    if output is None:
        sys.stdout.write(buffer.getvalue())
        sys.stdout.flush()
        return
    check_output(output, force=force)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(buffer.getvalue())
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

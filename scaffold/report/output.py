"""Where a rendered report goes: stdout, or a file replaced atomically (and only with --force).

Shared by every command that writes a report, so all of them refuse and write the same way.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from scaffold.errors import UsageError


def _is_stream(target: Path) -> bool:
    """A device or pipe (`/dev/stdout`, a FIFO): written into, never replaced."""
    return target.exists() and not target.is_file() and not target.is_dir()


def check_output(output: Path | None, *, force: bool) -> None:
    """Refuse a bad --output before any work is done, not after an hour of scanning."""
    if output is None or _is_stream(output):
        return
    if output.is_dir():
        raise UsageError(f"{output} is a directory")
    if output.exists() and not force:
        raise UsageError(f"{output} already exists (use --force to replace it)")
    if not output.parent.is_dir():
        raise UsageError(f"{output.parent}: no such directory")


def write_atomically(target: Path, text: str, *, force: bool) -> None:
    """Write beside `target`, then move into place in one step: never a half-written report.

    Without `force`, a file that appeared meanwhile is still never replaced.
    """
    if _is_stream(target):
        with target.open("w", encoding="utf-8") as stream:
            stream.write(text)
        return
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            os.replace(temp, target)
        else:
            try:
                os.link(temp, target)  # fails if target exists: no clobbering race
            except FileExistsError:
                raise UsageError(f"{target} already exists (use --force to replace it)") from None
    finally:
        temp.unlink(missing_ok=True)


def emit(render: Callable[[TextIO], None], output: Path | None, *, force: bool) -> None:
    """Render to stdout itself (so a terminal report sees the real terminal: colour, width),
    or to a buffer that is then written to `output` atomically."""
    if output is None:
        render(sys.stdout)
        sys.stdout.flush()
        return
    buffer = io.StringIO()
    render(buffer)
    write_atomically(output, buffer.getvalue(), force=force)

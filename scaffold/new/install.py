"""Stage a new service next to its destination and move it into place only once it is complete.

Nothing half-written is ever left at the destination: generation and post-generation happen in
a hidden sibling directory, which is removed on any failure or Ctrl-C. An existing destination
(empty, or replaced with --force) keeps its inode, so a shell sitting in it still sees the result;
its old entries are set aside and deleted only after the new ones are in place.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.new.preflight import Destination


def make_staging(dest: Destination) -> Path:
    """An empty hidden directory on the destination's filesystem."""
    try:
        return Path(
            tempfile.mkdtemp(
                prefix=f".{dest.path.name or 'service'}.scaffold-", dir=dest.staging_parent
            )
        )
    except OSError as exc:
        raise UsageError(f"cannot write next to {dest.path}: {exc.strerror or exc}") from exc


def remove_tree(path: Path) -> None:
    """Remove a directory we created (git's read-only objects sit in writable dirs)."""
    shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    # Ctrl-C between two renames would leave a mixed directory: deliver it after the move.
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _move_entries(source: Path, target: Path) -> list[str]:
    moved: list[str] = []
    for entry in sorted(os.listdir(source)):
        os.rename(source / entry, target / entry)
        moved.append(entry)
    return moved


def move_into_place(staging: Path, dest: Destination) -> None:
    """Put the staged tree at `dest.path`; on any failure the destination is as it was."""
    with _sigint_deferred():
        if not dest.exists:
            missing = [p for p in dest.path.parents if not p.exists()]  # innermost first
            dest.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, dest.path)
            except OSError:
                for parent in missing:
                    parent.rmdir()
                raise
            return
        aside = Path(
            tempfile.mkdtemp(prefix=f".{dest.path.name}.replaced-", dir=dest.staging_parent)
        )
        old_set_aside = False
        try:
            _move_entries(dest.path, aside)
            old_set_aside = True
            _move_entries(staging, dest.path)
        except OSError:
            if old_set_aside:  # some new entries arrived: send them back first
                _move_entries(dest.path, staging)
            _move_entries(aside, dest.path)
            os.rmdir(aside)
            raise
        os.rmdir(staging)
    remove_tree(aside)

"""Report output: atomic files, --force, and pipes or devices written into, not replaced."""

from __future__ import annotations

import io
import os
import stat
import threading
from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.report.output import check_output, emit, write_atomically


def test_an_existing_file_is_kept_without_force(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UsageError, match="already exists"):
        check_output(target, force=False)
    with pytest.raises(UsageError, match="already exists"):
        write_atomically(target, "new", force=False)
    assert target.read_text(encoding="utf-8") == "old"
    write_atomically(target, "new", force=True)
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary left behind


def test_a_directory_or_missing_parent_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"):
        check_output(tmp_path, force=True)
    with pytest.raises(UsageError, match="no such directory"):
        check_output(tmp_path / "absent" / "r.json", force=False)


def test_a_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    check_output(fifo, force=False)  # not "already exists": nothing is overwritten
    emit(lambda out: print("report", file=out), fifo, force=False)
    reader.join(timeout=10)
    assert received == ["report\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_without_output_the_renderer_gets_stdout_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.StringIO()
    monkeypatch.setattr("sys.stdout", fake)
    seen: list[object] = []
    emit(seen.append, None, force=False)
    assert seen == [fake]  # a terminal report can ask the real stream for colour and width

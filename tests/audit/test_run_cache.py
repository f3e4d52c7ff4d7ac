"""An unchanged repository is not audited again: its files' state keys the recorded audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scaffold.audit import engine, files, run
from scaffold.audit.run import AuditOptions, audit_targets
from scaffold.org.targets import path_target
from tests.gitrepo import GitRepo


def test_unchanged_files_reuse_the_recorded_audit(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("first", {"main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'})
    calls: list[str] = []
    real = engine.audit_files

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append("audit")
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "audit_files", counting)
    listed: list[str] = []
    real_tree = files.work_tree

    def listing(path: Path) -> Any:
        listed.append("git ls-files")
        return real_tree(path)

    monkeypatch.setattr(files, "work_tree", listing)
    options = AuditOptions(history=False, datastore=tmp_path / "a.db")
    first = audit_targets([path_target(repo.path)], options)
    second = audit_targets([path_target(repo.path)], options)
    assert len(calls) == 1
    assert len(listed) == 1, "an unchanged work tree is recognised without git"
    assert [o.status for o in first.audits[0].outcomes] == [
        o.status for o in second.audits[0].outcomes
    ]
    (repo.path / "main.tf").write_text('resource "aws_s3_bucket" "c" {\n  bucket = "c"\n}\n')
    audit_targets([path_target(repo.path)], options)  # an edit, not even staged, is seen
    assert len(calls) == 2

"""Damaged repositories: the scan reads what it can, says it is incomplete (exit 4), never hangs
and leaves no process behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.errors import EXIT_INCOMPLETE
from scaffold.scan.model import fingerprint
from tests import tokens
from tests.gitrepo import GitRepo, git

Damage = Callable[[GitRepo], str]  # breaks the repository; returns what the gap should mention


def _object(repo: GitRepo, spec: str) -> Path:
    oid = git(repo.path, "rev-parse", spec).strip()
    path = repo.path / ".git" / "objects" / oid[:2] / oid[2:]
    path.chmod(0o644)
    return path


def dangling_ref(repo: GitRepo) -> str:
    (repo.path / ".git" / "refs" / "heads" / "gone").write_text("1" * 40 + "\n")
    return "refs/heads/gone points to 111111111111"


def corrupt_blob(repo: GitRepo) -> str:
    target = _object(repo, "HEAD:notes.txt")
    body = b"x" * 40 + b"\n"
    target.write_bytes(zlib.compress(b"blob %d\x00" % len(body) + body)[:-6] + b"\x00" * 6)
    return "not read"


def malformed_tree(repo: GitRepo) -> str:
    _object(repo, "HEAD:docs").write_bytes(zlib.compress(b"tree 9\x00not a tree"))
    return "history walk stopped early"


def bad_packed_refs(repo: GitRepo) -> str:
    git(repo.path, "pack-refs", "--all")
    with (repo.path / ".git" / "packed-refs").open("a") as refs:
        refs.write("this is not a ref line\n")
    return "refs could not be read"


def fifo_object(repo: GitRepo) -> str:
    target = _object(repo, "HEAD:notes.txt")
    target.unlink()
    os.mkfifo(target)
    return "is a FIFO, not a file"


def fifo_packed_refs(repo: GitRepo) -> str:
    git(repo.path, "pack-refs", "--all")
    target = repo.path / ".git" / "packed-refs"
    target.unlink()
    os.mkfifo(target)
    return "is a FIFO, not a file"


@pytest.mark.parametrize(
    "damage",
    [dangling_ref, corrupt_blob, malformed_tree, bad_packed_refs, fifo_object, fifo_packed_refs],
)
def test_a_damaged_repository_is_scanned_as_far_as_it_can_be(repo: GitRepo, damage: Damage) -> None:
    token = tokens.github_pat(701)
    repo.commit("secret", {"deploy/ci.env": f"GITHUB_TOKEN={token}\n"})
    repo.commit("more", {"notes.txt": "plain notes\n", "docs/readme.md": "# docs\n"})
    gap = damage(repo)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "scaffold", "scan", str(repo.path), "--format", "json",
         "--no-progress", "--no-baseline"],
        input=b"",
        capture_output=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert time.monotonic() - started < 30, "a damaged repository must not slow the scan down"
    assert proc.returncode == EXIT_INCOMPLETE, proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()
    report = json.loads(proc.stdout)
    repository = report["repositories"][0]
    assert repository["complete"] is False and report["summary"]["complete"] is False
    said = " ".join(repository["incomplete"]) + json.dumps(repository["skipped"])
    assert gap in said
    fingerprints = {s["fingerprint"] for s in repository["secrets"]}
    assert fingerprint("github-pat-classic", token) in fingerprints, "the readable part is read"
    _assert_no_process_left(repo.path)


def _assert_no_process_left(path: Path) -> None:
    """No process of ours (git, a worker) still has the repository on its command line."""
    deadline = time.monotonic() + 5  # pool workers notice a gone parent within a second
    while True:
        left = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if str(path).encode() in cmdline:
                left.append(cmdline.decode(errors="replace"))
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not left, left

"""What a commit is about to record: the index's blobs, never the working tree or history."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from scaffold.errors import RepositoryError
from scaffold.gitexec import Git
from scaffold.hooks.gitcmd import (
    EMPTY_TREE,
    GITLINK_MODE,
    SYMLINK_MODE,
    display_path,
    head_commit,
    run_git,
)


@dataclass(frozen=True)
class StagedFile:
    """One path in the index and the blob a commit would record for it."""

    path: bytes  # raw bytes: names need not be UTF-8
    mode: str
    blob: str

    @property
    def name(self) -> str:
        return display_path(self.path)


def staged_changes(repo: Path) -> list[StagedFile]:
    """Files added or modified in the index relative to HEAD (deletions have nothing to scan)."""
    args = ("diff-index", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames")
    # HEAD first: one git start in the common case; the empty tree on an unborn branch
    out = run_git(repo, *args, "--diff-filter=AMT", "HEAD", "--", check=False)
    if not out:  # nothing staged, an unborn branch, or a real failure: tell them apart
        base = head_commit(repo) or EMPTY_TREE
        out = run_git(repo, *args, "--diff-filter=AMT", base, "--")
    files: list[StagedFile] = []
    fields = out.split(b"\0")
    # raw -z output: ":oldmode newmode oldsha newsha status" NUL path NUL, repeated
    for header, path in zip(fields[0::2], fields[1::2], strict=False):
        if not header.startswith(b":"):
            continue
        _old_mode, new_mode, _old_sha, new_sha, _status = header[1:].decode().split(" ")
        files.append(StagedFile(path=path, mode=new_mode, blob=new_sha))
    return _content_only(files)


def index_entries(repo: Path, paths: Iterable[str | bytes]) -> list[StagedFile]:
    """Index entries for the given paths (relative to the repository root), in the given order.

    pre-commit passes file names as arguments; listing the whole index once and picking from it
    stays fast for thousands of names, unlike one pathspec per name.
    """
    wanted = [p if isinstance(p, bytes) else os.fsencode(p) for p in paths]
    by_path: dict[bytes, StagedFile] = {}
    for record in run_git(repo, "ls-files", "--stage", "-z").split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, sha, stage = meta.decode().split(" ")
        if stage == "0":  # unmerged entries (stages 1-3) are not what the commit records
            by_path[path] = StagedFile(path=path, mode=mode, blob=sha)
    seen: set[bytes] = set()
    found: list[StagedFile] = []
    for path in wanted:
        normal = path[2:] if path.startswith(b"./") else path
        entry = by_path.get(normal)
        if entry is not None and normal not in seen:
            seen.add(normal)
            found.append(entry)
    return _content_only(found)


def _content_only(files: list[StagedFile]) -> list[StagedFile]:
    # submodules point at other repositories; symlink blobs hold a target path, not content
    return [f for f in files if f.mode not in (GITLINK_MODE, SYMLINK_MODE)]


@dataclass(frozen=True)
class BlobRead:
    """One object as `git cat-file --batch` returned it; content is None when not read."""

    blob: str
    size: int  # -1 when the object is missing
    content: bytes | None


def read_blobs(git: Git | Path, blobs: Sequence[str], max_size: int) -> Iterator[BlobRead]:
    """Stream objects through one `git cat-file --batch`; bodies over `max_size` are discarded.

    `git`: the repository's git (a scan's), or the work tree a hook runs in.
    """
    if not blobs:
        return
    with contextlib.ExitStack() as stack:
        if isinstance(git, Path):
            git = stack.enter_context(Git(git, hook_env=True))
        yield from _read_blobs(git, blobs, max_size)


def _read_blobs(git: Git, blobs: Sequence[str], max_size: int) -> Iterator[BlobRead]:
    errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed below, after git exits
    proc = git.popen("cat-file", "--batch", stdin=True, stderr=errors)
    assert proc.stdin is not None and proc.stdout is not None
    request = "".join(f"{b}\n" for b in blobs).encode()
    stdin, stdout = proc.stdin, proc.stdout

    def feed() -> None:
        # a separate writer: a long request must not deadlock against git's output
        with contextlib.suppress(OSError):
            stdin.write(request)
        with contextlib.suppress(OSError):
            stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    completed = False
    try:
        for requested in blobs:
            header = stdout.readline().decode(errors="replace").rstrip("\n").split(" ")
            if len(header) < 3:  # "<sha> missing" (or git died)
                yield BlobRead(requested, -1, None)
                continue
            size = int(header[2])
            if size > max_size:
                _discard(stdout, size)
                content = None
            else:
                content = stdout.read(size)
            stdout.read(1)  # the newline git adds after every object
            yield BlobRead(header[0], size, content)
        completed = True
    finally:
        stdout.close()
        returncode = proc.wait()
        writer.join()
        errors.close()
    if completed and returncode != 0:
        raise RepositoryError(f"git cat-file failed in {git.cwd} (exit code {returncode})")


def _discard(stream: IO[bytes], size: int) -> None:
    while size > 0:
        chunk = stream.read(min(size, 1 << 20))
        if not chunk:
            return
        size -= len(chunk)

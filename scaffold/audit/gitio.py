"""Every git process the audit and adopt commands start: the one place to switch to gitexec.

Audited repositories are read through the scan's locked-down git (no repository config can make
git run a program); adopt's own work tree is read the same way, and written only by copier and
pre-commit, never by git commands of ours.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import RepositoryError
from scaffold.scan.git import LockedGit, open_repository


@dataclass(frozen=True)
class TreeEntry:
    path: str
    mode: str  # "100644", "100755", "120000" (symlink), "160000" (submodule)
    oid: str  # "" for untracked work-tree files


@dataclass(frozen=True)
class Repo:
    git_dir: Path
    top_level: Path | None  # None: bare repository (read from HEAD)


def open_repo(path: Path) -> Repo:
    git, info = open_repository(path)
    git.close()
    return Repo(info.git_dir, info.top_level)


def work_tree_files(repo: Repo) -> list[TreeEntry]:
    """Tracked files plus untracked ones .gitignore does not exclude (what a commit could hold)."""
    assert repo.top_level is not None
    with LockedGit(repo.git_dir) as git:
        tracked = git.output(f"--work-tree={repo.top_level}", "ls-files", "-z", "-s")
        others = git.output(
            f"--work-tree={repo.top_level}", "ls-files", "-z", "--others", "--exclude-standard"
        )
    entries = []
    for record in tracked.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, oid, _stage = meta.decode().split(" ")
        entries.append(TreeEntry(name.decode("utf-8", "backslashreplace"), mode, oid))
    seen = {e.path for e in entries}
    for raw in others.split(b"\0"):
        other = raw.decode("utf-8", "backslashreplace")
        if other and other not in seen:
            entries.append(TreeEntry(other, "100644", ""))
    return entries


def head_files(repo: Repo) -> list[TreeEntry]:
    """Files at HEAD of a bare repository (a mirror of a remote one)."""
    with LockedGit(repo.git_dir) as git:
        proc = git.run("ls-tree", "-r", "-z", "--full-tree", "HEAD", check=False)
    if proc.returncode != 0:
        return []  # an empty repository: nothing to audit
    entries = []
    for record in proc.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, oid = meta.decode().split(" ")
        if kind in {"blob", "commit"}:
            entries.append(TreeEntry(name.decode("utf-8", "backslashreplace"), mode, oid))
    return entries


def read_blobs(repo: Repo, oids: list[str]) -> dict[str, bytes]:
    """Contents of many blobs through one `cat-file --batch`."""
    if not oids:
        return {}
    with LockedGit(repo.git_dir) as git, tempfile.TemporaryFile() as errors:
        proc = git.popen("cat-file", "--batch", stdin=True, stderr=errors)
        data, _ = proc.communicate(("\n".join(oids) + "\n").encode())
    found: dict[str, bytes] = {}
    pos = 0
    for oid in oids:
        end = data.find(b"\n", pos)
        if end < 0:
            break
        header = data[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] != b"blob":
            continue
        size = int(header[2])
        found[oid] = data[pos : pos + size]
        pos += size + 1
    return found


def is_clean(path: Path) -> tuple[bool, str]:
    """Whether a work tree has no changes, staged or not, and no untracked files."""
    repo = open_repo(path)
    if repo.top_level is None:
        raise RepositoryError(f"{path}: a bare repository has no work tree to adopt into")
    with LockedGit(repo.git_dir) as git:
        proc = git.run(
            f"--work-tree={repo.top_level}", "status", "--porcelain", "--untracked-files=normal"
        )
    text = proc.stdout.decode("utf-8", "replace")
    return not text.strip(), text


def head_commit(path: Path) -> str | None:
    repo = open_repo(path)
    with LockedGit(repo.git_dir) as git:
        proc = git.run("rev-parse", "--verify", "--quiet", "HEAD", check=False)
    text = proc.stdout.decode().strip()
    return text or None

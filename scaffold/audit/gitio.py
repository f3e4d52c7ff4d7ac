"""Every git call of the audit and adopt commands, through scaffold.gitexec.

Audited repositories are read with the ISOLATED profile (nothing a repository configures can
run); adopt reads the state of the user's own work tree with the USER profile.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import RepositoryError
from scaffold.gitexec import Git, own
from scaffold.scan.git import open_repository


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
    if (path / ".git").is_dir() and (path / ".git" / "HEAD").is_file():
        return Repo(path / ".git", path)  # the common case, without starting git
    git, info = open_repository(path)
    git.close()
    return Repo(info.git_dir, info.top_level)


_STAGED = re.compile(rb"^(\d{6}) ([0-9a-f]{40,64}) \d\t")


def _paths(raw: bytes) -> list[bytes]:
    return [record for record in raw.split(b"\0") if record]


def work_tree_files(repo: Repo) -> list[TreeEntry]:
    """Tracked files plus untracked ones .gitignore does not exclude (what a commit could hold)."""
    assert repo.top_level is not None
    with Git(repo.top_level) as git:  # ISOLATED, run inside the work tree
        # one process: tracked entries come as "mode oid stage<TAB>path", untracked as "path"
        listed = git.output("ls-files", "-z", "-s", "--others", "--exclude-standard")
    entries = []
    for record in _paths(listed):
        match = _STAGED.match(record)
        if match:
            name = record[match.end() :].decode("utf-8", "backslashreplace")
            entries.append(TreeEntry(name, match.group(1).decode(), match.group(2).decode()))
        else:
            entries.append(TreeEntry(record.decode("utf-8", "backslashreplace"), "100644", ""))
    return entries


def head_files(repo: Repo) -> list[TreeEntry]:
    """Files at HEAD of a bare repository (a mirror of a remote one)."""
    with Git(git_dir=repo.git_dir) as git:
        proc = git.run("ls-tree", "-r", "-z", "--full-tree", "HEAD", check=False)
    if proc.returncode != 0:
        return []  # an empty repository: nothing to audit
    entries = []
    for record in _paths(proc.stdout):
        meta, _, name = record.partition(b"\t")
        mode, kind, oid = meta.decode().split(" ")
        if kind in {"blob", "commit"}:
            entries.append(TreeEntry(name.decode("utf-8", "backslashreplace"), mode, oid))
    return entries


def read_blobs(repo: Repo, oids: list[str]) -> dict[str, bytes]:
    """Contents of many blobs through one `cat-file --batch`."""
    if not oids:
        return {}
    with Git(git_dir=repo.git_dir) as git, tempfile.TemporaryFile() as errors:
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
    """Whether the user's work tree has no changes, staged or not, and no untracked files."""
    repo = open_repo(path)
    if repo.top_level is None:
        raise RepositoryError(f"{path}: a bare repository has no work tree to adopt into")
    text = own(repo.top_level).output("status", "--porcelain", "--untracked-files=normal")
    return not text.strip(), text.decode("utf-8", "replace")


def head_commit(path: Path) -> str | None:
    proc = own(path).run("rev-parse", "--verify", "--quiet", "HEAD", check=False)
    text = proc.stdout.decode().strip()
    return text or None


def origin_url(path: Path) -> str:
    """The user's `origin` remote, as their own git config says."""
    proc = own(path).run("remote", "get-url", "origin", check=False)
    return proc.stdout.decode("utf-8", "replace").strip() if proc.returncode == 0 else ""

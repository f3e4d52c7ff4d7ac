"""The index: what the next commit would record, never the working tree or history.

Git runs where the commit hook runs, keeping the index git handed to the hook (a partial
commit's temporary index). The repository's `.secrets.baseline` (and the baseline in use) is
never scanned: the hashes of accepted secrets it holds look like secrets themselves.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import RepositoryError
from scaffold.gitexec import Git
from scaffold.scan.blobs import list_objects
from scaffold.scan.git import decode_path
from scaffold.scan.listing import Listing, OidArray
from scaffold.scan.model import DEFAULT_BASELINE, Provenance, ScanOptions, Skipped
from scaffold.scan.sources import Content, Kind, Matched, Placement, Where
from scaffold.scan.sources.objects import ObjectReader
from scaffold.scan.sources.range import GITLINK_MODE, SYMLINK_MODE

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's well-known empty tree id


@dataclass(frozen=True)
class StagedFile:
    """One path in the index and the blob a commit would record for it."""

    path: bytes  # raw bytes: names need not be UTF-8
    mode: str
    blob: str

    @property
    def name(self) -> str:
        return decode_path(self.path)


@functools.lru_cache(maxsize=16)  # the hook asks twice; each git start costs ~5 ms
def work_tree_root(start: Path) -> Path:
    """The top of the work tree containing `start`, or one clear error outside a repository."""
    if not start.exists():
        raise RepositoryError(f"{start} does not exist")
    with Git(start, hook_env=True) as git:
        proc = git.run("rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RepositoryError(f"{start} is not inside a git work tree")
    return Path(os.fsdecode(proc.stdout.rstrip(b"\n")))


def staged_changes(git: Git) -> list[StagedFile]:
    """Files added or modified in the index relative to HEAD (deletions have nothing to scan)."""
    args = ("diff-index", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames")
    # HEAD first: one git start in the common case; the empty tree on an unborn branch
    out = git.run(*args, "--diff-filter=AMT", "HEAD", "--", check=False).stdout
    if not out:  # nothing staged, an unborn branch, or a real failure: tell them apart
        head = git.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
        base = head.stdout.decode().strip() or EMPTY_TREE
        out = git.output(*args, "--diff-filter=AMT", base, "--")
    files: list[StagedFile] = []
    fields = out.split(b"\0")
    # raw -z output: ":oldmode newmode oldsha newsha status" NUL path NUL, repeated
    for header, path in zip(fields[0::2], fields[1::2], strict=False):
        if not header.startswith(b":"):
            continue
        _old_mode, new_mode, _old_sha, new_sha, _status = header[1:].decode().split(" ")
        files.append(StagedFile(path=path, mode=new_mode, blob=new_sha))
    return _content_only(files)


def index_entries(git: Git, paths: Iterable[str | bytes]) -> list[StagedFile]:
    """Index entries for the given paths (relative to the repository root), in the given order.

    pre-commit passes file names as arguments; listing the whole index once and picking from it
    stays fast for thousands of names, unlike one pathspec per name.
    """
    wanted = [p if isinstance(p, bytes) else os.fsencode(p) for p in paths]
    by_path: dict[bytes, StagedFile] = {}
    for record in git.output("ls-files", "--stage", "-z").split(b"\0"):
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


class StagedSource:
    """The blobs the next commit in the work tree containing `start` would record: every
    staged change, or the index entries of `paths` (as pre-commit passes them)."""

    name = "staged"

    def __init__(
        self, start: Path, options: ScanOptions, paths: Sequence[str] | None = None
    ) -> None:
        self.root = work_tree_root(start)
        self.label = self.root.name
        self.git = Git(self.root, hook_env=True)
        self.reader = ObjectReader(self.git, Kind.STAGED)
        self._options = options
        self._paths = paths
        self._files: dict[str, list[StagedFile]] = {}

    def size_hint(self) -> int:
        return 0

    def close(self) -> None:
        self.git.close()

    def stream(self) -> Iterator[Listing]:
        yield self.prepare()

    def prepare(self) -> Listing:
        files = (
            staged_changes(self.git)
            if self._paths is None
            else index_entries(self.git, self._paths)
        )
        skip = {DEFAULT_BASELINE.encode()}
        baseline = self._options.baseline
        if baseline is not None and baseline.resolve().is_relative_to(self.root.resolve()):
            skip.add(os.fsencode(baseline.resolve().relative_to(self.root.resolve()).as_posix()))
        for f in files:
            if f.path not in skip:
                self._files.setdefault(f.blob, []).append(f)
        ids = OidArray()
        for blob, staged in self._files.items():
            ids.append(blob.encode("ascii"))
            self.reader.names[blob] = staged[0].name  # rules for certain files need the name
        return list_objects(self.git, ids, self._options.max_blob_size)

    def named(self) -> list[Content]:
        return []  # paths, where known, go with the content

    def place(self, matched: Sequence[Matched], skipped: Sequence[Skipped]) -> Placement:
        where = {
            m.key: Where(tuple(_at(f.name) for f in self._files.get(m.key, ()))) for m in matched
        }
        named = [
            Skipped(s.object_id, s.reason, f.name, s.size, s.member)
            for s in skipped
            for f in self._files.get(s.object_id, ()) or [StagedFile(b"", "", s.object_id)]
        ]
        return Placement(where, tuple(named), extra={"scope": "staged"})


def _at(path: str) -> Provenance:
    return Provenance(commit="", path=path, author_name="", author_email="", date="")

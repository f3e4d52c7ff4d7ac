"""What an audit reads of a repository: its file list and the few files checks look at.

A work tree is read from disk (tracked files and untracked ones .gitignore lets through); a bare
repository (an organisation mirror) from HEAD. Symbolic links are never followed out of the
repository, and only files some check can use are read at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scaffold.audit import gitio

MAX_FILE_SIZE = 1 << 20  # larger files are not configuration anyone reviews
# Directories of other people's code: their Dockerfiles and workflows are not this repository's.
VENDORED = frozenset(
    {
        "node_modules",
        "vendor",
        "third_party",
        ".venv",
        "venv",
        ".tox",
        "site-packages",
        ".terraform",
    }
)
SOURCE_SUFFIXES = frozenset(
    {".py", ".js", ".mjs", ".ts", ".go", ".java", ".kt", ".rb", ".rs", ".cs", ".php"}
)
_DOC_SUFFIXES = frozenset({".md", ".rst", ".txt", ".adoc", ""})


def _split(path: str) -> tuple[list[str], str, str]:
    """(folders, file name, suffix) with plain string operations: these run for every file."""
    parts = path.split("/")
    name = parts[-1]
    dot = name.rfind(".")
    return parts[:-1], name, name[dot:] if dot > 0 else ""


def _vendored(path: str) -> bool:
    return "/" in path and any(part in VENDORED for part in path.split("/")[:-1])


def is_terraform(path: str) -> bool:
    return path.endswith((".tf", ".tf.json")) and not _vendored(path)


def is_workflow(path: str) -> bool:
    if path.startswith(".github/workflows/") and path.count("/") == 2:
        return path.endswith((".yml", ".yaml"))
    return path in (".gitlab-ci.yml", ".gitlab-ci.yaml") or path.endswith(
        ("/.gitlab-ci.yml", "/.gitlab-ci.yaml")
    )


def is_dockerfile(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return (
        name == "dockerfile"
        or name.startswith("dockerfile.")
        or name.endswith(".dockerfile")
        or name == "containerfile"
    ) and not _vendored(path)


def is_yaml_or_json(path: str) -> bool:
    return path.endswith((".yml", ".yaml", ".json", ".template")) and not _vendored(path)


def is_doc(path: str) -> bool:
    folders, _, suffix = _split(path)
    if suffix.lower() not in _DOC_SUFFIXES:
        return False
    if not folders:
        return True
    return folders[0].lower() in _DOC_TOPS and not _vendored(path)


def is_source(path: str) -> bool:
    return _split(path)[2] in SOURCE_SUFFIXES and not _vendored(path)


_DOC_TOPS = frozenset({"docs", "doc", "documentation", "runbooks", ".github"})
_NAMED = frozenset(
    {".gitignore", ".pre-commit-config.yaml", "pre-commit", "CODEOWNERS", "Procfile", "Chart.yaml"}
)
_WANTED_SUFFIXES = frozenset(
    {".tf", ".yml", ".yaml", ".json", ".template"} | SOURCE_SUFFIXES | _DOC_SUFFIXES
)


def wanted(path: str) -> bool:
    """Whether any check could read this file (one test per file, cheap first)."""
    _, name, suffix = _split(path)
    if name in _NAMED or is_dockerfile(path):
        return True
    if suffix.lower() not in _WANTED_SUFFIXES or _vendored(path):
        return False
    if suffix.lower() in _DOC_SUFFIXES and suffix not in SOURCE_SUFFIXES:
        return is_doc(path)
    return True


def quick_state(root: Path) -> str:
    """A digest of a work tree's git index, refs and files (names, sizes, times) read without
    git: equal digests mean the audit can be reused without listing the tree again."""
    digest = hashlib.sha256()
    git_dir = root / ".git"
    for name in ("index", "HEAD", "packed-refs", "info/exclude"):
        try:
            info = (git_dir / name).stat()
        except OSError:
            continue
        digest.update(f"{name}\0{info.st_size}\0{info.st_ino}\0{info.st_mtime_ns}\n".encode())
    for place in sorted((git_dir / "refs").rglob("*")) if (git_dir / "refs").is_dir() else []:
        with contextlib.suppress(OSError):
            info = place.stat()
            digest.update(f"{place}\0{info.st_mtime_ns}\0{info.st_ino}\n".encode())
    for dirpath, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != ".git" and d not in VENDORED)
        here = Path(dirpath)
        with contextlib.suppress(OSError):
            digest.update(f"{dirpath}\0{here.stat().st_mtime_ns}\n".encode())
        rel = here.relative_to(root).as_posix()
        for name in sorted(names):
            path = name if rel == "." else f"{rel}/{name}"
            if wanted(path):
                with contextlib.suppress(OSError):
                    info = (here / name).lstat()
                    digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@dataclass
class RepoFiles:
    """The files of one repository as checks see them: repository-relative POSIX paths."""

    name: str
    paths: tuple[str, ...]
    tracked: frozenset[str]
    _read: Callable[[Iterable[str]], dict[str, bytes]]
    problems: list[str] = field(default_factory=list)
    _cache: dict[str, bytes | None] = field(default_factory=dict)
    # what the files are, without reading them: equal states mean an equal audit
    state: Callable[[], str] | None = None

    def prefetch(self, paths: Iterable[str]) -> None:
        missing = [p for p in paths if p not in self._cache]
        got = self._read(missing) if missing else {}
        for path in missing:
            self._cache[path] = got.get(path)

    def data(self, path: str) -> bytes | None:
        if path not in self._cache:
            self.prefetch([path])
        return self._cache[path]

    def text(self, path: str) -> str | None:
        raw = self.data(path)
        return None if raw is None else raw.decode("utf-8", "replace")

    def matching(self, test: Callable[[str], bool]) -> list[str]:
        return [p for p in self.paths if test(p)]

    def exists(self, path: str) -> bool:
        return path in self._index

    @property
    def _index(self) -> frozenset[str]:
        return frozenset(self.paths)


def _inside(root: Path, target: Path) -> bool:
    try:
        target.relative_to(root)
    except ValueError:
        return False
    return True


def work_tree(path: Path) -> RepoFiles:
    repo = gitio.open_repo(path)
    if repo.top_level is None:
        return bare(path)
    root = repo.top_level.resolve()
    entries = gitio.work_tree_files(repo)
    problems: list[str] = []
    paths: list[str] = []
    for entry in entries:
        if entry.mode == "160000" or not wanted(entry.path):
            continue
        paths.append(entry.path)

    def read(names: Iterable[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for name in names:
            full = root / name
            try:
                if full.is_symlink() and not _inside(root, full.resolve()):
                    problems.append(
                        f"{name}: symbolic link to outside the repository, not followed"
                    )
                    continue
                if not full.is_file() or full.stat().st_size > MAX_FILE_SIZE:
                    continue
                out[name] = full.read_bytes()
            except OSError as exc:
                problems.append(f"{name}: cannot read ({exc.strerror})")
        return out

    tracked = frozenset(e.path for e in entries if e.oid)

    def state() -> str:
        digest = hashlib.sha256()
        for entry in entries:
            digest.update(f"{entry.path}\0{entry.mode}\0{entry.oid}\n".encode())
        for name in paths:  # an edit not yet staged changes the size or the time
            try:
                info = (root / name).lstat()
            except OSError:
                continue
            digest.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        return digest.hexdigest()

    return RepoFiles(str(root), tuple(sorted(paths)), tracked, read, problems, state=state)


def bare(path: Path) -> RepoFiles:
    repo = gitio.open_repo(path)
    entries = [e for e in gitio.head_files(repo) if e.mode not in ("160000",)]
    problems: list[str] = []
    oids = {e.path: e.oid for e in entries if wanted(e.path)}
    links = {e.path for e in entries if e.mode == "120000"}

    def read(names: Iterable[str]) -> dict[str, bytes]:
        chosen = [n for n in names if n in oids]
        for name in chosen:
            if name in links:  # a link's target is a path; it is never followed in a mirror
                problems.append(f"{name}: symbolic link, not followed")
        blobs = gitio.read_blobs(repo, sorted({oids[n] for n in chosen if n not in links}))
        return {
            n: blobs[oids[n]]
            for n in chosen
            if n not in links and oids[n] in blobs and len(blobs[oids[n]]) <= MAX_FILE_SIZE
        }

    name = str(path.resolve())
    listing = hashlib.sha256("".join(f"{e.path}\0{e.mode}\0{e.oid}\n" for e in entries).encode())
    return RepoFiles(
        name, tuple(sorted(oids)), frozenset(oids), read, problems, state=listing.hexdigest
    )


def from_directory(root: Path) -> RepoFiles:
    """A plain directory (check examples, tests): every file, all of them tracked."""
    paths = []
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for file in files:
            rel = (Path(dirpath) / file).relative_to(root).as_posix()
            if wanted(rel):
                paths.append(rel)

    def read(names: Iterable[str]) -> dict[str, bytes]:
        return {n: (root / n).read_bytes() for n in names if (root / n).is_file()}

    return RepoFiles(str(root), tuple(sorted(paths)), frozenset(paths), read)

"""Keep a local git repository of a packaged template, one commit and `v<version>` tag per version.

Copier can only update a project from a git repository with PEP 440 tags, and it records the
repository's absolute path in `.copier-answers.yml`. A template shipped inside a Python package
is a plain directory, so scaffold mirrors it into `<data dir>/templates/<name>` and tags each
distinct content. The content identity is a SHA-256 over relative paths, modes and bytes,
stored as a `Content-Digest:` trailer in the commit message, so "already up to date" costs one
directory walk and one `git for-each-ref`.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from packaging.version import InvalidVersion, Version

from scaffold.errors import ScaffoldError
from scaffold.update.gitcmd import git_out, run_git

# Files that appear in a template directory without being part of it.
_SKIP_DIRS = frozenset({".git", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"})
_SKIP_SUFFIXES = (".pyc", ".pyo")
_DIGEST_TRAILER = "Content-Digest"
_LOCAL_RE = re.compile(r"^local\.(\d+)$")


def data_dir() -> Path:
    """scaffold's data directory: $SCAFFOLD_DATA_DIR, else $XDG_DATA_HOME/scaffold."""
    explicit = os.environ.get("SCAFFOLD_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser().absolute()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return (base / "scaffold").absolute()


def template_files(template_dir: Path) -> list[str]:
    """Relative POSIX paths of every file that belongs to the template, sorted."""
    found: list[str] = []
    for root, dirs, files in os.walk(template_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        rel_root = Path(root).relative_to(template_dir)
        for name in files:
            if name.endswith(_SKIP_SUFFIXES):
                continue
            found.append((rel_root / name).as_posix())
    return sorted(found)


def content_digest(template_dir: Path, files: list[str]) -> str:
    """SHA-256 over (path, executable bit, bytes) of each file: the template's identity."""
    digest = hashlib.sha256()
    for rel in files:
        path = template_dir / rel
        executable = os.access(path, os.X_OK) and not path.is_symlink()
        digest.update(f"{rel}\0{int(executable)}\0".encode())
        data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def tagged_digests(repo: Path) -> dict[str, str]:
    """tag name -> content digest, for every tag scaffold made in `repo`."""
    out = git_out(
        repo,
        "for-each-ref",
        "refs/tags",
        f"--format=%(refname:strip=2)%00%(trailers:key={_DIGEST_TRAILER},valueonly)%00",
        isolated=True,
    )
    result: dict[str, str] = {}
    for line in out.split("\0\n") if out else []:
        tag, _, value = line.partition("\0")
        value = value.strip().strip("\0").strip()
        if tag and value:
            result[tag.strip()] = value
    return result


def _next_version(version: str, digests: dict[str, str]) -> str:
    """`version` if its tag is free, else the next `version+local.N` (same version, new content)."""
    if f"v{version}" not in digests:
        return version
    base = Version(version).public
    highest = 0
    for tag in digests:
        try:
            parsed = Version(tag)
        except InvalidVersion:
            continue
        match = _LOCAL_RE.match(parsed.local or "")
        if parsed.public == base and match:
            highest = max(highest, int(match.group(1)))
    return f"{base}+local.{highest + 1}"


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _find(digests: dict[str, str], digest: str, version: str) -> str | None:
    """The tag already holding this content for this version (or a `+local` of it)."""
    base = Version(version).public
    for tag, tagged in digests.items():
        if tagged != digest:
            continue
        try:
            if Version(tag).public == base:
                return tag
        except InvalidVersion:
            continue
    return None


def _init_repo(repo: Path) -> None:
    repo.mkdir(parents=True, exist_ok=True)
    # --template= : no hook samples or other files from the machine's git templates
    run_git(repo, "init", "-q", "--template=", "-b", "main", isolated=True)


def _commit_version(
    repo: Path, template_dir: Path, files: list[str], version: str, digest: str
) -> None:
    index = repo / ".git" / "scaffold-index"
    index.unlink(missing_ok=True)
    env = {"GIT_INDEX_FILE": str(index), "GIT_WORK_TREE": str(template_dir)}
    try:
        run_git(
            repo,
            "add",
            "--force",
            "--pathspec-from-file=-",
            "--pathspec-file-nul",
            isolated=True,
            extra_env=env,
            stdin="\0".join(files).encode(),
        )
        tree = run_git(repo, "write-tree", isolated=True, extra_env=env).stdout.decode().strip()
    finally:
        index.unlink(missing_ok=True)
    has_head = run_git(repo, "rev-parse", "-q", "--verify", "HEAD", isolated=True, check=False)
    parents = ["-p", "HEAD"] if has_head.returncode == 0 else []
    message = f"Template version {version}\n\n{_DIGEST_TRAILER}: {digest}\n"
    commit = git_out(repo, "commit-tree", tree, *parents, "-m", message, isolated=True)
    run_git(repo, "update-ref", "HEAD", commit, isolated=True)
    run_git(repo, "tag", f"v{version}", commit, isolated=True)
    # Copier copies uncommitted changes of a local template, so the work tree must match HEAD.
    run_git(repo, "reset", "-q", "--hard", "HEAD", isolated=True)
    run_git(repo, "clean", "-q", "-fdx", isolated=True)


def sync_template_repo(template_dir: Path, version: str, repo: Path) -> tuple[str, bool]:
    """Make `repo` hold `template_dir` under a `v<version>` tag; return (tag, created)."""
    try:
        Version(version)
    except InvalidVersion as exc:
        raise ScaffoldError(f"template version {version!r} is not a PEP 440 version") from exc
    if not (template_dir / "copier.yml").is_file() and not (template_dir / "copier.yaml").is_file():
        raise ScaffoldError(f"{template_dir} is not a Copier template (no copier.yml)")
    files = template_files(template_dir)
    digest = content_digest(template_dir, files)
    if (repo / ".git").is_dir():
        try:
            existing = _find(tagged_digests(repo), digest, version)
        except ScaffoldError:  # another process is creating the repository right now
            existing = None
        if existing:
            return existing, False
    with _locked(repo.parent / f".{repo.name}.lock"):
        if not (repo / ".git").is_dir():
            _init_repo(repo)
        digests = tagged_digests(repo)
        existing = _find(digests, digest, version)
        if existing:  # another process made it while we waited for the lock
            return existing, False
        new_version = _next_version(version, digests)
        _commit_version(repo, template_dir, files, new_version, digest)
        return f"v{new_version}", True

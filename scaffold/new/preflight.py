"""Checks made before any question is asked: git, the destination, defaults from git."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import ScaffoldError, UsageError
from scaffold.gitexec import Git, Profile

# owner in git@host:owner/repo(.git), ssh://git@host/owner/repo, https://host/owner/repo
_REMOTE_OWNER_RE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://(?:[^@/]+@)?[^/]+/|[\w.-]+@[\w.-]+:)(?P<owner>[^/]+(?:/[^/]+)*?)/"
    r"[^/]+?(?:\.git)?/?$",
    re.IGNORECASE,
)


# An owner valid for every CI provider; Copier does not validate defaults under --defaults.
_SIMPLE_OWNER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Destination:
    """Where the service goes, and where it is staged before being moved into place."""

    path: Path  # absolute
    exists: bool  # an existing (empty, or non-empty with --force) directory
    staging_parent: Path  # nearest existing ancestor: same filesystem, so renames are atomic


def require_git() -> str:
    """The git executable, or a one-line error when it is not on PATH."""
    found = shutil.which("git")
    if found is None:
        raise ScaffoldError("git is not installed or not on PATH; install git and retry")
    return found


def _holds_history(path: Path) -> bool:
    from scaffold.new.postgen import holds_history

    return holds_history(path)


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor)


def check_destination(dest: Path, *, force: bool) -> Destination:
    """Refuse a file, a non-empty directory (unless `force`) or a place we cannot write to."""
    path = Path(os.path.abspath(dest.expanduser()))
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise UsageError(f"destination {dest} exists and is not a directory")
        if any(path.iterdir()) and not force:
            raise UsageError(
                f"destination {dest} is not empty; choose another path or pass --force to "
                "replace its contents"
            )
        if force and _holds_history(path):
            raise UsageError(
                f"destination {dest} holds a git repository with history, which --force never "
                "replaces; choose another path, or move it away first"
            )
        if not os.access(path, os.W_OK | os.X_OK):
            raise UsageError(f"destination {dest} is not writable")
        exists = True
    else:
        exists = False
    ancestor = _nearest_existing(path.parent)
    if not ancestor.is_dir():
        raise UsageError(f"cannot create {dest}: {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise UsageError(f"cannot create {dest}: {ancestor} is not writable")
    return Destination(path=path, exists=exists, staging_parent=ancestor)


def _git_config(cwd: Path, key: str) -> str | None:
    proc = Git(cwd, profile=Profile.USER).run("config", "--get", key, check=False)
    value = proc.stdout.decode(errors="replace").strip()
    return value if proc.returncode == 0 and value else None


def owner_from_remote(url: str) -> str | None:
    """`acme` from git@github.com:acme/api.git; `group/sub` from a GitLab subgroup URL."""
    match = _REMOTE_OWNER_RE.match(url.strip())
    return match.group("owner") if match else None


def git_defaults(cwd: Path) -> dict[str, str]:
    """Defaults Copier may offer (never forced): owner from the cwd's remote, contact from git."""
    if not cwd.is_dir():
        return {}
    defaults: dict[str, str] = {}
    email = _git_config(cwd, "user.email")
    if email and "@" in email:
        defaults["oncall_contact"] = email
    remote = _git_config(cwd, "remote.origin.url")
    owner = owner_from_remote(remote) if remote else None
    if owner and _SIMPLE_OWNER_RE.match(owner):
        defaults["repo_owner"] = owner
    return defaults

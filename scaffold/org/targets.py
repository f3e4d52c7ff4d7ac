"""Targets: local paths, directories of repositories, git URLs and target files -> RepoTargets.

A RepoTarget never holds a token: remote targets name the environment variable whose token the
mirror step sends (as an HTTP header, never in a URL).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import UsageError

_URL_SCHEMES = ("http://", "https://", "ssh://", "git://", "file://")
_SCP_LIKE = re.compile(r"^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:")  # git@host:org/repo.git
MAX_DEPTH = 3  # how deep a directory of repositories is searched


@dataclass(frozen=True)
class RepoTarget:
    """One repository to scan: its stable identity, what reports call it, where it lives."""

    identity: str  # stable across machines and runs: sharding and the datastore key on it
    display: str  # Finding.repository
    path: Path | None = None  # a local repository scanned in place
    url: str | None = None  # a remote repository, mirrored into the cache
    token_env: str | None = None  # environment variable holding the token for `url`'s host


def is_url(text: str) -> bool:
    return text.lower().startswith(_URL_SCHEMES) or bool(_SCP_LIKE.match(text))


def url_identity(url: str) -> str:
    """`https://GitHub.com/Org/Repo.git` -> `github.com/Org/Repo` (scheme, user, .git dropped)."""
    match = _SCP_LIKE.match(url)
    if match:
        host = url[: match.end() - 1].split("@", 1)[1]
        rest = url[match.end() :]
    else:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or parts.scheme
        if parts.port:
            host = f"{host}:{parts.port}"
        rest = parts.path
    rest = rest.strip("/")
    rest = rest.removesuffix(".git")
    return f"{host.lower()}/{rest}"


def check_url(url: str) -> None:
    """Refuse URLs that carry a password or token: it would end up in the mirror's config."""
    if _SCP_LIKE.match(url):
        return
    parts = urllib.parse.urlsplit(url)
    if parts.password is not None or (parts.username and parts.scheme in ("http", "https")):
        raise UsageError(
            f"{url_identity(url)}: the URL carries credentials; remove them and pass the token "
            "in GITHUB_TOKEN or GITLAB_TOKEN instead"
        )


def url_target(url: str, token_env: str | None = None) -> RepoTarget:
    check_url(url)
    identity = url_identity(url)
    return RepoTarget(identity=identity, display=identity, url=url, token_env=token_env)


def is_repository(path: Path) -> bool:
    """A work tree (has .git) or a bare repository (HEAD, objects/ and refs/)."""
    if (path / ".git").exists():
        return True
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def path_target(path: Path) -> RepoTarget:
    resolved = path.resolve()
    return RepoTarget(identity=f"path:{resolved}", display=str(resolved), path=resolved)


def repositories_under(root: Path, depth: int = MAX_DEPTH) -> list[Path]:
    """Repositories in a directory tree, not descending into a repository once found."""
    found: list[Path] = []
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as exc:
        raise UsageError(f"{root}: cannot list directory ({exc.strerror})") from None
    for child in children:
        if is_repository(child):
            found.append(child)
        elif depth > 1:
            found.extend(repositories_under(child, depth - 1))
    return found


def local_targets(path: Path) -> list[RepoTarget]:
    """A repository, or every repository inside a directory."""
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    if not path.is_dir():
        raise UsageError(f"{path}: not a directory or repository")
    if is_repository(path):
        return [path_target(path)]
    found = repositories_under(path)
    if not found:
        raise UsageError(f"{path}: no git repositories found in this directory")
    return [path_target(repo) for repo in found]


def read_targets_file(path: Path) -> list[str]:
    """One target per line; blank lines and `#` comments ignored; relative paths from the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read targets file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: targets file is not UTF-8 text") from None
    entries = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not is_url(raw.strip()) else raw.strip()
        if not line:
            continue
        if not is_url(line) and not Path(line).expanduser().is_absolute():
            line = str(path.parent / line)
        entries.append(line)
    return entries


def token_env_for(url: str, hosts: dict[str, str]) -> str | None:
    """GITHUB_TOKEN/GITLAB_TOKEN for an https URL on a host we know the token belongs to."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return None
    return hosts.get(parts.hostname.lower())


def resolve(specs: Iterable[str], token_hosts: dict[str, str] | None = None) -> list[RepoTarget]:
    """Turn command-line targets (paths, directories, URLs) into repositories."""
    targets: list[RepoTarget] = []
    for spec in specs:
        if is_url(spec):
            targets.append(url_target(spec, token_env_for(spec, token_hosts or {})))
        else:
            targets.extend(local_targets(Path(spec).expanduser()))
    return targets


def unique(targets: Sequence[RepoTarget]) -> list[RepoTarget]:
    """Each identity once (a repository named twice, or listed by both an org and a URL)."""
    seen: dict[str, RepoTarget] = {}
    for target in targets:
        seen.setdefault(target.identity, target)
    return sorted(seen.values(), key=lambda t: t.identity)

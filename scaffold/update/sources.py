"""Where templates come from: the packaged template (versioned locally) or any git repository.

Every source ends up as a git repository with PEP 440 tags, so `scaffold new`, `scaffold update`
and plain `copier update` all work the same way. Resolution order when no source is given:
`template = ...` in `$XDG_CONFIG_HOME/scaffold/config.toml`, then the packaged template.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from scaffold.errors import ScaffoldError, UsageError
from scaffold.update.gitcmd import run_git
from scaffold.update.localrepo import data_dir, sync_template_repo
from scaffold.update.trust import trust_in_copier

PACKAGED_TEMPLATE = "service"
_URL_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|gh:|gl:|[\w.-]+@[\w.-]+:)", re.IGNORECASE)


@dataclass(frozen=True)
class TemplateSource:
    """A git repository with PEP 440 tags that Copier can generate and update from."""

    url: str  # absolute path or URL of a git repository with PEP 440 tags
    ref: str | None  # tag to generate from (None = latest tag)
    version: str | None


def packaged_template_dir() -> Path:
    """The template shipped with scaffold: in the wheel, else in the source checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_templates" / PACKAGED_TEMPLATE
    if installed.is_dir():
        return installed
    return package.parent / "templates" / PACKAGED_TEMPLATE


def packaged_template_version(template_dir: Path) -> str:
    """The template's version: its `VERSION` file if present, else scaffold's own version."""
    version_file = template_dir / "VERSION"
    if version_file.is_file():
        return version_file.read_text(encoding="utf-8").strip()
    from scaffold import __version__

    return __version__


def local_template_repo(name: str = PACKAGED_TEMPLATE) -> Path:
    """Where scaffold keeps the versioned git repository of a packaged template."""
    return data_dir() / "templates" / f"scaffold-{name}"


def packaged_repo_elsewhere(src_path: str) -> bool:
    """True for a `_src_path` naming scaffold's template repository on another machine.

    The path is absolute and per user (`/home/alice/.local/share/scaffold/...`), so a teammate
    or CI sees it missing; such projects are updated from this machine's copy instead.
    """
    path = Path(src_path)
    return (
        path.name == local_template_repo().name
        and path.parent.name == "templates"
        and not path.exists()
    )


def template_source_from_dir(template_dir: Path, version: str, repo: Path) -> TemplateSource:
    """Version `template_dir` into `repo` (new tag when its content is new); trust it in Copier."""
    tag, _created = sync_template_repo(template_dir, version, repo)
    trust_in_copier(str(repo))
    return TemplateSource(url=str(repo), ref=tag, version=tag.removeprefix("v"))


def packaged_template_source() -> TemplateSource:
    """The template shipped inside the installed package, as a tagged local git repository."""
    template_dir = packaged_template_dir()
    if not template_dir.is_dir():
        raise ScaffoldError(f"scaffold's packaged template is missing: {template_dir}")
    version = packaged_template_version(template_dir)
    return template_source_from_dir(template_dir, version, local_template_repo())


def configured_template_spec() -> str | None:
    """`template = ...` from the user's `$XDG_CONFIG_HOME/scaffold/config.toml`, if any."""
    xdg = os.environ.get("XDG_CONFIG_HOME")
    config = (Path(xdg) if xdg else Path.home() / ".config") / "scaffold" / "config.toml"
    if not config.is_file():
        return None
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{config} is not valid TOML: {exc}") from exc
    value = data.get("template")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{config}: `template` must be a path or git URL")
    return value.strip()


def is_git_url(spec: str) -> bool:
    """True for URL-like template specs (https://, ssh://, file://, git@host:..., gh:, gl:)."""
    return bool(_URL_RE.match(spec))


def git_remote(url: str) -> str:
    """A Copier template URL as git understands it (`git+` prefix and gh:/gl: aliases resolved)."""
    if url.startswith("git+"):
        return url[4:]
    for alias, host in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if url.startswith(alias):
            rest = url[len(alias) :].lstrip("/")
            return f"{host}{rest}" if rest.endswith(".git") else f"{host}{rest}.git"
    return url


def _version_tags(lines: list[str]) -> list[tuple[Version, str]]:
    tags: list[tuple[Version, str]] = []
    for tag in lines:
        try:
            tags.append((Version(tag), tag))
        except InvalidVersion:
            continue
    return sorted(tags)


def latest_version_tag(tags: list[str], *, prereleases: bool = False) -> str | None:
    """The highest PEP 440 tag, as Copier chooses it (pre-releases skipped by default)."""
    candidates = [(v, t) for v, t in _version_tags(tags) if prereleases or not v.is_prerelease]
    return candidates[-1][1] if candidates else None


def remote_tags(url: str) -> list[str]:
    """Tag names of a git repository (local path or URL), without fetching its objects."""
    cwd = Path.cwd() if Path.cwd().is_dir() else Path("/")
    proc = run_git(cwd, "ls-remote", "--tags", "--refs", "--", git_remote(url), check=False)
    if proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        reason = detail[-1] if detail else "unreachable"
        raise UsageError(f"template repository {url} cannot be read: {reason}")
    lines = proc.stdout.decode(errors="replace").splitlines()
    return [line.split("\t", 1)[1].removeprefix("refs/tags/") for line in lines if "\t" in line]


def check_local_template(path: Path) -> None:
    """Refuse a local template that is not a git repository root or has uncommitted changes."""
    top = run_git(path, "rev-parse", "--show-toplevel", check=False)
    if top.returncode != 0 or Path(top.stdout.decode().strip()).resolve() != path.resolve():
        raise UsageError(f"template {path} is not the root of a git repository")
    status = run_git(path, "status", "--porcelain", "--untracked-files=normal")
    if status.stdout.strip():
        raise UsageError(
            f"template {path} has uncommitted changes; commit and tag them before using it"
        )


def resolve_template(spec: str | None) -> TemplateSource:
    """A template source from a path or git URL; None -> user config, else the packaged one."""
    if spec is None:
        spec = configured_template_spec()
        if spec is None:
            return packaged_template_source()
    if spec.startswith("file://"):  # a local repository: same checks as a plain path
        spec = spec.removeprefix("file://")
    if is_git_url(spec):
        url = spec
    else:
        path = Path(spec).expanduser()
        if not path.exists():
            raise UsageError(f"template {spec} does not exist (expected a path or git URL)")
        path = path.resolve()
        check_local_template(path)
        url = str(path)
    tag = latest_version_tag(remote_tags(url))
    if tag is None:
        raise UsageError(
            f"template {spec} has no version tags (tag a release, e.g. `git tag v1.0.0`)"
        )
    return TemplateSource(url=url, ref=tag, version=str(Version(tag)))

"""Template drift: is a newer template version available than the one a project was made from?"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import InvalidVersion, Version

from scaffold.errors import RepositoryError, UsageError
from scaffold.update.project import GeneratedProject
from scaffold.update.sources import (
    check_local_template,
    is_git_url,
    latest_version_tag,
    packaged_repo_elsewhere,
    packaged_template_source,
    remote_tags,
)


@dataclass
class TagCache:
    """Tags per template URL for one run: 50 repositories from one template cost one ls-remote."""

    tags: dict[str, list[str]] = field(default_factory=dict)

    def get(self, url: str) -> list[str]:
        if url not in self.tags:
            self.tags[url] = remote_tags(url)
        return self.tags[url]


@dataclass(frozen=True)
class Drift:
    """Where a project stands against its template's newest version."""

    template: str
    current: str | None
    latest: str  # newest PEP 440 version among the template's tags
    latest_tag: str
    behind: bool


def template_url(project: GeneratedProject) -> str:
    """The template location as git understands it (relative paths are relative to the project)."""
    src = project.src_path
    if is_git_url(src):
        return src
    if packaged_repo_elsewhere(src):
        return packaged_template_source().url
    path = Path(src).expanduser()
    if not path.is_absolute():
        path = (project.path / path).resolve()
    if not path.exists():
        raise UsageError(f"template {src} recorded in {project.answers_path} no longer exists")
    return str(path)


def check_template(project: GeneratedProject, *, require_clean_source: bool) -> str:
    """The usable template URL for a project; refuses a local template with uncommitted changes."""
    url = template_url(project)
    if require_clean_source and not is_git_url(url):
        check_local_template(Path(url))
    return url


def drift(project: GeneratedProject, cache: TagCache | None = None) -> Drift:
    """Compare the project's template version with the template's newest tag."""
    url = template_url(project)
    tags = (cache or TagCache()).get(url)
    latest_tag = latest_version_tag(tags)
    if latest_tag is None:
        raise UsageError(f"template {project.src_path} has no version tags")
    latest = Version(latest_tag)
    behind = True
    if project.version is not None:
        try:
            behind = Version(project.version) < latest
        except InvalidVersion as exc:  # pragma: no cover - commit_version only returns valid ones
            raise RepositoryError(f"unreadable template version {project.version}") from exc
    return Drift(
        template=project.src_path,
        current=project.version,
        latest=str(latest),
        latest_tag=latest_tag,
        behind=behind,
    )

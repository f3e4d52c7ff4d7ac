"""List a GitLab group's projects (subgroups included) through the GitLab API v4."""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable

from scaffold.org.http import ApiClient, ApiError, warn
from scaffold.org.targets import RepoTarget, url_target

DEFAULT_API = "https://gitlab.com/api/v4"
TOKEN_ENV = "GITLAB_TOKEN"


def client(api_url: str = DEFAULT_API, notify: Callable[[str], None] = warn) -> ApiClient:
    token = os.environ.get(TOKEN_ENV, "").strip()
    headers = {"PRIVATE-TOKEN": token} if token else {}
    return ApiClient(api_url, "GitLab", headers, token_hint=TOKEN_ENV, notify=notify)


def clone_host(api_url: str) -> str:
    return (urllib.parse.urlsplit(api_url).hostname or "").lower()


def list_projects(
    api: ApiClient, group: str, *, include_archived: bool = False, include_forks: bool = False
) -> list[RepoTarget]:
    """Every project of `group` and its subgroups the token can see."""
    what = f"group {group}"
    params = {"include_subgroups": "true", "per_page": "100", "order_by": "id", "sort": "asc"}
    if not include_archived:
        params["archived"] = "false"
    path = f"groups/{urllib.parse.quote(group, safe='')}/projects"
    targets = []
    for project in api.paginate(path, params, what):
        if not isinstance(project, dict):
            raise ApiError(f"GitLab API returned an unexpected listing for {what}")
        if project.get("archived") and not include_archived:
            continue
        if project.get("forked_from_project") and not include_forks:
            continue
        url = project.get("http_url_to_repo")
        if not isinstance(url, str) or not url:
            raise ApiError(f"GitLab API listed a project without http_url_to_repo for {what}")
        targets.append(url_target(url, TOKEN_ENV))
    return targets

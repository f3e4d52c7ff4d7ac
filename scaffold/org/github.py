"""List an organisation's or a user's repositories through the GitHub REST API."""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable
from typing import Any

from scaffold.org.http import ApiClient, ApiError, warn
from scaffold.org.targets import RepoTarget, url_target

DEFAULT_API = "https://api.github.com"
TOKEN_ENV = "GITHUB_TOKEN"


def client(api_url: str = DEFAULT_API, notify: Callable[[str], None] = warn) -> ApiClient:
    token = os.environ.get(TOKEN_ENV, "").strip()
    headers = {"X-GitHub-Api-Version": "2022-11-28", "Accept": "application/vnd.github+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return ApiClient(api_url, "GitHub", headers, token_hint=TOKEN_ENV, notify=notify)


def clone_host(api_url: str) -> str:
    """github.com for the public API; the Enterprise host itself for `https://host/api/v3`."""
    host = (urllib.parse.urlsplit(api_url).hostname or "").lower()
    return "github.com" if host == "api.github.com" else host


def list_repositories(
    api: ApiClient,
    *,
    org: str | None = None,
    user: str | None = None,
    include_archived: bool = False,
    include_forks: bool = False,
) -> list[RepoTarget]:
    """Every repository of `org` (or `user`) the token can see, archived and forks on request."""
    if org:
        path, params, what = f"orgs/{_quote(org)}/repos", {"type": "all"}, f"organisation {org}"
    elif user:
        path, params, what = f"users/{_quote(user)}/repos", {"type": "owner"}, f"user {user}"
    else:
        raise ValueError("org or user is required")
    targets = []
    for repo in api.paginate(path, {**params, "per_page": "100"}, what):
        if not isinstance(repo, dict):
            raise ApiError(f"GitHub API returned an unexpected listing for {what}")
        if (repo.get("archived") and not include_archived) or (
            repo.get("fork") and not include_forks
        ):
            continue
        targets.append(url_target(_clone_url(repo, what), TOKEN_ENV))
    return targets


def _clone_url(repo: dict[str, Any], what: str) -> str:
    url = repo.get("clone_url")
    if not isinstance(url, str) or not url:
        raise ApiError(f"GitHub API listed a repository without a clone_url for {what}")
    return url


def _quote(name: str) -> str:
    return urllib.parse.quote(name, safe="")

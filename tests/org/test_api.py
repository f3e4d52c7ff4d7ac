"""GitHub and GitLab listings from a loopback server: pagination, filters, rate limits, auth."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scaffold.org import github, gitlab
from scaffold.org.http import ApiError, next_link
from tests.org.fakehost import FakeHost, github_repo, gitlab_project, serve


def test_next_link_is_found_among_other_relations() -> None:
    header = '<https://x/a?page=3>; rel="prev", <https://x/a?page=5>; rel="next"'
    assert next_link(header) == "https://x/a?page=5"
    assert next_link('<https://x/a?page=1>; rel="first"') is None
    assert next_link(None) is None


def test_github_org_listing_follows_pages_and_filters(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "gh" + "t" * 30
    monkeypatch.setenv("GITHUB_TOKEN", token)
    repos = [github_repo(f"acme/r{i}", f"https://github.com/acme/r{i}.git") for i in range(5)]
    repos.append(github_repo("acme/old", "https://github.com/acme/old.git", archived=True))
    repos.append(github_repo("acme/fork", "https://github.com/acme/fork.git", fork=True))
    with serve(FakeHost({"/orgs/acme/repos": repos}, token=token)) as host:
        api = github.client(host.base)
        plain = github.list_repositories(api, org="acme")
        everything = github.list_repositories(
            api, org="acme", include_archived=True, include_forks=True
        )
    assert [t.identity for t in plain] == [f"github.com/acme/r{i}" for i in range(5)]
    assert len(everything) == 7
    assert all(t.token_env == "GITHUB_TOKEN" for t in plain)
    assert len(host.requests) == 8  # 4 pages of 2, twice
    assert all(f"Bearer {token}" == h["Authorization"] for _, h in host.requests)
    assert all(token not in path for path, _ in host.requests)  # never in a URL


def test_rate_limit_is_waited_out_and_said(monkeypatch: pytest.MonkeyPatch) -> None:
    notes: list[str] = []
    repos = [github_repo("u/a", "https://github.com/u/a.git")]
    with serve(FakeHost({"/users/u/repos": repos}, rate_limit_first=1)) as host:
        api = github.client(host.base, notify=notes.append)
        waits: list[float] = []
        api = replace(api, sleep=waits.append)
        found = github.list_repositories(api, user="u")
    assert [t.identity for t in found] == ["github.com/u/a"]
    assert waits == [1.0]
    assert notes and "rate limit" in notes[0]


def test_auth_failure_and_missing_org_are_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "bad" + "q" * 30
    monkeypatch.setenv("GITHUB_TOKEN", token)
    host = FakeHost({"/orgs/acme/repos": []}, token="another-token")
    with serve(host), pytest.raises(ApiError) as refused:
        github.list_repositories(github.client(host.base), org="acme")
    assert "401" in refused.value.message and "GITHUB_TOKEN" in refused.value.message
    assert token not in refused.value.message
    monkeypatch.delenv("GITHUB_TOKEN")
    empty = FakeHost({})
    with serve(empty), pytest.raises(ApiError, match="organisation ghost not found"):
        github.list_repositories(github.client(empty.base), org="ghost")


def test_unreachable_api_is_one_line() -> None:
    api = github.client("http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(ApiError, match="cannot reach the GitHub API"):
        github.list_repositories(api, org="acme")


def test_gitlab_group_with_subgroups(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "glpat-" + "z" * 20
    monkeypatch.setenv("GITLAB_TOKEN", token)
    projects = [
        gitlab_project("grp/a", "https://gitlab.com/grp/a.git"),
        gitlab_project("grp/sub/b", "https://gitlab.com/grp/sub/b.git"),
        gitlab_project("grp/sub/c", "https://gitlab.com/grp/sub/c.git", fork=True),
    ]
    with serve(FakeHost({"/groups/grp%2Fsub/projects": projects}, token=token)) as host:
        found = gitlab.list_projects(gitlab.client(host.base), "grp/sub")
    assert [t.identity for t in found] == ["gitlab.com/grp/a", "gitlab.com/grp/sub/b"]
    path, headers = host.requests[0]
    assert "include_subgroups=true" in path and headers["Private-Token"] == token

"""Targets: identities, directories of repositories, target files, refused credentials; shards."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.org.shard import parse_shard
from scaffold.org.targets import read_targets_file, resolve, unique, url_identity
from tests.org.repos import build_org


@pytest.mark.parametrize(
    ("url", "identity"),
    [
        ("https://GitHub.com/Org/Repo.git", "github.com/Org/Repo"),
        ("https://github.com/Org/Repo/", "github.com/Org/Repo"),
        ("git@github.com:Org/Repo.git", "github.com/Org/Repo"),
        ("ssh://git@gitlab.example.com:2222/g/sub/p.git", "gitlab.example.com:2222/g/sub/p"),
        ("file:///srv/git/a.git", "file/srv/git/a"),
    ],
)
def test_url_identity_is_stable_across_spellings(url: str, identity: str) -> None:
    assert url_identity(url) == identity


def test_url_with_credentials_is_refused_without_echoing_them() -> None:
    secret = "pw" + "x" * 20
    with pytest.raises(UsageError) as caught:
        resolve([f"https://user:{secret}@github.com/o/r.git"])
    assert secret not in caught.value.message
    assert "GITHUB_TOKEN" in caught.value.message


def test_directory_of_repositories_and_targets_file(tmp_path: Path) -> None:
    org = build_org(tmp_path, count=3)
    found = resolve([str(org.root)])
    assert [Path(t.display).name for t in found] == [
        "svc0-fork.git", "svc0.git", "svc1.git", "svc2.git",
    ]  # fmt: skip
    listing = tmp_path / "targets.txt"
    listing.write_text(
        f"# our services\nbare/svc1.git\n\n{org.url('svc2')}  \nbare/svc1.git # twice\n",
        encoding="utf-8",
    )
    specs = read_targets_file(listing)
    assert specs[1] == org.url("svc2")
    targets = unique(resolve(specs))
    assert len(targets) == 2
    assert {t.url is not None for t in targets} == {True, False}


def test_missing_path_and_empty_directory_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        resolve([str(tmp_path / "nope")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no git repositories"):
        resolve([str(tmp_path / "empty")])


def test_shards_cover_every_repository_exactly_once(tmp_path: Path) -> None:
    targets = unique(resolve([f"https://github.com/org/repo{i}" for i in range(200)]))
    for count in (1, 2, 3, 7):
        parts = [parse_shard(f"{k}/{count}").select(targets) for k in range(1, count + 1)]
        identities = [t.identity for part in parts for t in part]
        assert sorted(identities) == [t.identity for t in targets]
        if count > 1:
            assert all(part for part in parts)  # 200 repositories reach every shard
    # pinned: a CI job on another machine or Python version must pick the same repositories
    owned = [parse_shard("2/3").owns(f"github.com/org/repo{i}") for i in range(8)]
    assert owned == [False, True, True, False, True, True, True, False]


@pytest.mark.parametrize("text", ["0/2", "3/2", "a/b", "1", "1/0"])
def test_bad_shard_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--shard"):
        parse_shard(text)

"""The mirror cache: clone once, fetch later, re-clone a corrupt mirror, fail in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.org.mirror import MirrorCache, MirrorError, mirror_dir
from scaffold.org.targets import url_target
from tests.gitrepo import git
from tests.org.repos import build_org, push_commit


def _head(mirror: Path) -> str:
    return git(mirror, "rev-parse", "refs/heads/main").strip()


def test_clone_then_fetch_then_reclone_a_corrupt_mirror(tmp_path: Path) -> None:
    org = build_org(tmp_path / "org", count=1, with_fork=False)
    cache = MirrorCache(tmp_path / "cache")
    target = url_target(org.url("svc0"))
    first = cache.update(target)
    assert first.action == "cloned"
    assert first.path == mirror_dir(tmp_path / "cache", target.identity)
    assert git(first.path, "config", "--get", "remote.origin.mirror").strip() == "true"

    new = push_commit(org, "svc0", {"new.txt": "hello\n"})
    second = cache.update(target)
    assert second.action == "fetched"
    assert _head(second.path) == new

    (second.path / "HEAD").write_text("garbage\n", encoding="utf-8")
    for pack in (second.path / "objects" / "pack").glob("*"):
        pack.write_bytes(b"broken")
    third = cache.update(target)
    assert third.action == "recloned"
    assert _head(third.path) == new
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".clone-")]


def test_a_url_that_does_not_resolve_fails_in_one_line(tmp_path: Path) -> None:
    cache = MirrorCache(tmp_path / "cache")
    with pytest.raises(MirrorError) as caught:
        cache.update(url_target((tmp_path / "missing.git").as_uri()))
    assert "\n" not in str(caught.value)
    assert "git clone failed" in str(caught.value)
    assert not mirror_dir(
        tmp_path / "cache", url_target((tmp_path / "missing.git").as_uri()).identity
    ).exists()


def test_repository_hooks_never_run_in_the_mirror(tmp_path: Path) -> None:
    org = build_org(tmp_path / "org", count=1, with_fork=False)
    cache = MirrorCache(tmp_path / "cache")
    target = url_target(org.url("svc0"))
    mirror = cache.update(target).path
    witness = tmp_path / "hook-ran"
    hook = mirror / "hooks" / "reference-transaction"
    hook.write_text(f"#!/bin/sh\ntouch {witness}\n", encoding="utf-8")
    hook.chmod(0o755)
    push_commit(org, "svc0", {"x.txt": "x\n"})
    assert cache.update(target).action == "fetched"
    assert not witness.exists()

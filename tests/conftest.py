"""Shared fixtures: every test runs git with pinned identity and no machine config."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo, git_env


@pytest.fixture(autouse=True)
def _isolated_git(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test Author\n\temail = author@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
        '[protocol "file"]\n\tallow = always\n',
        encoding="utf-8",
    )
    for key in list(os.environ):
        if key.startswith("GIT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    # scaffold's own state (local template repositories, caches) never touches the real home
    monkeypatch.setenv("SCAFFOLD_DATA_DIR", str(home / "scaffold-data"))
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "scaffold-cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    # pre-commit's hook environments are expensive: share them across tests and runs
    monkeypatch.setenv(
        "PRE_COMMIT_HOME",
        os.environ.get(
            "PRE_COMMIT_HOME", str(Path.home() / ".cache" / "scaffold-tests" / "pre-commit")
        ),
    )


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[GitRepo]:
    yield GitRepo.init(tmp_path / "repo")


__all__ = ["git_env"]

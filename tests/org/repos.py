"""Build a small organisation on disk: bare repositories, some sharing history like forks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.gitrepo import GitRepo, git
from tests.tokens import github_pat, stripe_live_key


@dataclass(frozen=True)
class Org:
    root: Path  # holds the bare repositories
    work: Path  # work trees, to add commits later
    names: tuple[str, ...]
    secrets: tuple[str, ...]  # every planted secret, to grep for leaks

    def bare(self, name: str) -> Path:
        return self.root / f"{name}.git"

    def url(self, name: str) -> str:
        return self.bare(name).as_uri()

    def clone_of(self, name: str) -> GitRepo:
        return GitRepo(self.work / name)


def build_org(base: Path, count: int = 5, *, with_fork: bool = True) -> Org:
    """`count` repositories; every other one leaks a token; one fork shares its parent's history."""
    root, work = base / "bare", base / "work"
    root.mkdir(parents=True)
    names: list[str] = []
    secrets: list[str] = []
    for index in range(count):
        name = f"svc{index}"
        repo = GitRepo.init(work / name)
        repo.commit("initial", {"README.md": f"# {name}\n", "app.py": f"print({index})\n"})
        if index % 2 == 0:
            token = github_pat(index) if index % 4 == 0 else stripe_live_key(index)
            secrets.append(token)
            repo.commit("config", {"settings.py": f'API_TOKEN = "{token}"\n'})
        repo.commit("more", {"app.py": f"print({index} + 1)\n"})
        git(root, "clone", "-q", "--bare", str(repo.path), f"{name}.git")
        git(repo.path, "remote", "add", "origin", str(root / f"{name}.git"))
        names.append(name)
    if with_fork and count:
        git(root, "clone", "-q", "--bare", str(root / "svc0.git"), "svc0-fork.git")
        names.append("svc0-fork")
    return Org(root, work, tuple(names), tuple(secrets))


def push_commit(org: Org, name: str, files: dict[str, str], message: str = "change") -> str:
    repo = org.clone_of(name)
    repo.clock += 100
    sha = repo.commit(message, files)
    git(repo.path, "push", "-q", "origin", "HEAD:refs/heads/main")
    return sha

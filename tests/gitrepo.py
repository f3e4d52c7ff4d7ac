"""Throwaway git repositories with pinned authors and dates, for tests and benchmarks."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

EPOCH = 1_700_000_000  # 2023-11-14, a fixed start so commit ids are reproducible


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment where git ignores the machine's config and never prompts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull if Path(os.devnull).is_char_device() else "",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": "Test Author",
            "GIT_AUTHOR_EMAIL": "author@example.com",
            "GIT_COMMITTER_NAME": "Test Author",
            "GIT_COMMITTER_EMAIL": "author@example.com",
        }
    )
    if not env["GIT_CONFIG_GLOBAL"]:
        del env["GIT_CONFIG_GLOBAL"]
    if extra:
        env.update(extra)
    return env


def git(cwd: Path, *args: str, env: Mapping[str, str] | None = None, check: bool = True) -> str:
    """Run git with an explicitly empty stdin (/dev/null may hold stray text here)."""
    proc = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        input=b"",
        capture_output=True,
        env=dict(env) if env is not None else git_env(),
        check=False,
    )
    if check and proc.returncode != 0:
        stderr = proc.stderr.decode(errors="replace")
        raise AssertionError(f"git {' '.join(args)} failed ({proc.returncode}): {stderr}")
    return proc.stdout.decode(errors="replace")


@dataclass
class GitRepo:
    """A repository built commit by commit; each commit is one second after the last."""

    path: Path
    clock: int = EPOCH
    commits: list[str] = field(default_factory=list)

    @classmethod
    def init(cls, path: Path, *, bare: bool = False) -> GitRepo:
        path.mkdir(parents=True, exist_ok=True)
        git(path, "init", "-q", *(["--bare"] if bare else []))
        return cls(path)

    def write(self, relpath: str, content: str | bytes) -> Path:
        target = self.path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        else:
            target.write_bytes(content)
        return target

    def remove(self, relpath: str) -> None:
        git(self.path, "rm", "-q", "-r", "--", relpath)

    def commit(
        self,
        message: str,
        files: Mapping[str, str | bytes] | None = None,
        *,
        author: str = "Test Author <author@example.com>",
        allow_empty: bool = False,
    ) -> str:
        for relpath, content in (files or {}).items():
            self.write(relpath, content)
        git(self.path, "add", "-A")
        self.clock += 1
        stamp = f"{self.clock} +0000"
        name, _, email = author.partition(" <")
        env = git_env(
            {
                "GIT_AUTHOR_DATE": stamp,
                "GIT_COMMITTER_DATE": stamp,
                "GIT_AUTHOR_NAME": name,
                "GIT_AUTHOR_EMAIL": email.rstrip(">"),
            }
        )
        git(
            self.path,
            "commit",
            "-q",
            "--no-verify",
            *(["--allow-empty"] if allow_empty else []),
            "-m",
            message,
            env=env,
        )
        sha = self.head()
        self.commits.append(sha)
        return sha

    def head(self) -> str:
        return git(self.path, "rev-parse", "HEAD").strip()

    def branch(self, name: str, start: str = "HEAD") -> None:
        git(self.path, "checkout", "-q", "-b", name, start)

    def checkout(self, name: str) -> None:
        git(self.path, "checkout", "-q", name)

    def tag(self, name: str, target: str = "HEAD", *, annotated: bool = False) -> None:
        if annotated:
            self.clock += 1
            stamp = f"{self.clock} +0000"
            env = git_env({"GIT_COMMITTER_DATE": stamp})
            git(self.path, "tag", "-a", "-m", name, name, target, env=env)
        else:
            git(self.path, "tag", name, target)

    def merge(
        self, branch: str, message: str, files: Mapping[str, str | bytes] | None = None
    ) -> str:
        """Merge with `--no-commit`, apply `files` as the merge's own change, then commit."""
        self.clock += 1
        git(self.path, "merge", "-q", "--no-ff", "--no-commit", branch, check=False)
        return self.commit(message, files)

    def status(self) -> str:
        return git(self.path, "status", "--porcelain", "--untracked-files=all")

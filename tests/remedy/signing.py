"""Signed commits and tags for purge's tests, with an SSH key made at test time.

Without ssh-keygen on the machine, commits and tags still carry a signature block (git reads
one from the object, as it does a real one), but nothing can verify it: `verifiable` is False
and the tests then check the block is still there instead of checking it verifies.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.gitrepo import GitRepo, git, git_env

_BLOCK = (
    "-----BEGIN SSH SIGNATURE-----\nbm90IGEgcmVhbCBzaWduYXR1cmU=\n-----END SSH SIGNATURE-----\n"
)


@dataclass(frozen=True)
class Signer:
    key: Path | None  # the private key; None: no ssh-keygen, signature blocks only
    allowed: Path

    @property
    def verifiable(self) -> bool:
        return self.key is not None

    def options(self) -> list[str]:
        if self.key is None:
            return []
        return [
            "-c", "gpg.format=ssh",
            "-c", f"user.signingkey={self.key}.pub",
            "-c", f"gpg.ssh.allowedSignersFile={self.allowed}",
        ]  # fmt: skip

    def commit(self, repo: GitRepo, message: str, files: Mapping[str, str] | None = None) -> str:
        """A signed commit on the current branch, dated like GitRepo's commits."""
        for relpath, content in (files or {}).items():
            repo.write(relpath, content)
        git(repo.path, "add", "-A")
        repo.clock += 1
        env = git_env({"GIT_AUTHOR_DATE": f"{repo.clock} +0000",
                       "GIT_COMMITTER_DATE": f"{repo.clock} +0000"})  # fmt: skip
        if self.key is not None:
            git(repo.path, *self.options(), "commit", "-q", "-S", "--allow-empty", "-m",
                message, env=env)  # fmt: skip
        else:
            git(repo.path, "commit", "-q", "--allow-empty", "-m", message, env=env)
            _add_block_to_head(repo)
        sha = repo.head()
        repo.commits.append(sha)
        return sha

    def tag(self, repo: GitRepo, name: str, target: str = "HEAD", message: str = "") -> None:
        repo.clock += 1
        env = git_env({"GIT_COMMITTER_DATE": f"{repo.clock} +0000"})
        text = message or f"release {name}"
        if self.key is not None:
            git(repo.path, *self.options(), "tag", "-s", "-m", text, name, target, env=env)
        else:
            note = repo.path.parent / f"{name}.tagmsg"
            note.write_text(f"{text}\n{_BLOCK}", encoding="utf-8")
            git(repo.path, "tag", "-a", "--cleanup=verbatim", "-F", str(note), name, target,
                env=env)  # fmt: skip

    def verifies(self, repo: GitRepo, kind: str, name: str) -> bool:
        """`git verify-commit` / `verify-tag` accepts it (with a real key), or the object still
        carries its signature block (without one)."""
        if self.key is None:
            body = git(repo.path, "cat-file", "commit" if kind == "commit" else "tag", name)
            return "-----BEGIN SSH SIGNATURE-----" in body
        proc = subprocess.run(
            ["git", *self.options(), f"verify-{kind}", name],
            cwd=repo.path,
            input=b"",
            capture_output=True,
            env=git_env(),
            check=False,
        )
        return proc.returncode == 0


def make_signer(folder: Path) -> Signer:
    folder.mkdir(parents=True, exist_ok=True)
    allowed = folder / "allowed_signers"
    program = shutil.which("ssh-keygen")
    if program is None:
        return Signer(None, allowed)
    key = folder / "key"
    subprocess.run(
        [program, "-q", "-t", "ed25519", "-N", "", "-C", "tests", "-f", str(key)],
        input=b"",
        capture_output=True,
        check=True,
    )
    public = (folder / "key.pub").read_text(encoding="utf-8").strip()
    allowed.write_text(f"author@example.com {public}\n", encoding="utf-8")
    return Signer(key, allowed)


def _add_block_to_head(repo: GitRepo) -> None:
    """Re-create HEAD's commit with a signature header (what `commit -S` would add)."""
    raw = git(repo.path, "cat-file", "commit", "HEAD")
    header, _, message = raw.partition("\n\n")
    signature = "gpgsig " + _BLOCK.rstrip("\n").replace("\n", "\n ")
    proc = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
        cwd=repo.path,
        input=f"{header}\n{signature}\n\n{message}".encode(),
        capture_output=True,
        env=git_env(),
        check=True,
    )
    git(repo.path, "update-ref", "HEAD", proc.stdout.decode().strip())

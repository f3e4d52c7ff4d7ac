"""The mirror cache: each remote repository cloned once (`--mirror`), fetched on later runs.

Git runs through scaffold.gitexec's ISOLATED policy (no system or user config, no hooks, no
prompts) with only real transports allowed (never `ext::`), and the token (if any) as an
`http.<host>.extraHeader` passed through GIT_CONFIG_* environment variables: never in a URL,
so never in the mirror's config, a log or an error.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import RepositoryError
from scaffold.gitexec import Git, first_line
from scaffold.org.targets import RepoTarget

_PROTOCOLS = ("https", "http", "ssh", "git", "file")
# The user name GitHub and GitLab expect next to a token in HTTP basic auth.
_BASIC_USER = {"GITHUB_TOKEN": "x-access-token", "GITLAB_TOKEN": "oauth2"}


class MirrorError(Exception):
    """A clone or fetch that failed; the message is one line and holds no token."""


@dataclass(frozen=True)
class MirrorOutcome:
    path: Path
    action: str  # "cloned", "fetched", "recloned"


def mirror_dir(cache: Path, identity: str) -> Path:
    """A readable, collision-free directory name for an identity."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", identity).strip("_")[:80]
    digest = hashlib.sha256(identity.encode()).hexdigest()[:10]
    return cache / f"{slug}-{digest}.git"


def _auth_config(target: RepoTarget) -> tuple[dict[str, str], str]:
    """GIT_CONFIG_* variables carrying the token's header, scoped to the URL's own host."""
    if not target.url or not target.token_env:
        return {}, ""
    token = os.environ.get(target.token_env, "").strip()
    parts = urllib.parse.urlsplit(target.url)
    if not token or parts.scheme != "https" or not parts.netloc:
        return {}, ""
    user = _BASIC_USER.get(target.token_env, "x-access-token")
    basic = base64.b64encode(f"{user}:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.https://{parts.netloc}/.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
    }, token


class MirrorCache:
    """Clones and refreshes mirrors under one cache directory."""

    def __init__(self, root: Path, timeout: float = 3600.0) -> None:
        self.root = root
        self.timeout = timeout

    def _git(self, target: RepoTarget, *args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
        extra, token = _auth_config(target)
        try:
            with Git(cwd, protocols=_PROTOCOLS, env=extra, timeout=self.timeout) as git:
                proc = git.run(*args, check=False)
        except RepositoryError as exc:  # timed out
            raise MirrorError(exc.message) from None
        if proc.returncode != 0:
            message = first_line(proc.stderr)
            if token:
                message = message.replace(token, "***")
            raise MirrorError(f"git {args[0]} failed: {message}")
        return proc

    def _healthy(self, target: RepoTarget, path: Path) -> bool:
        try:
            probe = self._git(
                target, f"--git-dir={path}", "rev-parse", "--is-bare-repository", cwd=self.root
            )
        except MirrorError:
            return False
        return probe.stdout.strip() == b"true"

    def _clone(self, target: RepoTarget, path: Path) -> None:
        """Clone next to the final place, then rename: never a half-written mirror."""
        assert target.url is not None
        staging = Path(tempfile.mkdtemp(prefix=".clone-", dir=self.root))
        try:
            self._git(
                target,
                "clone",
                "--mirror",
                "--quiet",
                "--",
                target.url,
                str(staging / "m"),
                cwd=self.root,
            )
            if path.exists():
                shutil.rmtree(path)
            (staging / "m").rename(path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def update(self, target: RepoTarget) -> MirrorOutcome:
        """Clone or fetch `target`; a corrupt or unfetchable mirror is cloned afresh."""
        if target.url is None:
            raise ValueError("only remote targets are mirrored")
        self.root.mkdir(parents=True, exist_ok=True)
        path = mirror_dir(self.root, target.identity)
        if not path.exists():
            self._clone(target, path)
            return MirrorOutcome(path, "cloned")
        if self._healthy(target, path):
            try:
                self._git(
                    target,
                    f"--git-dir={path}",
                    "fetch",
                    "--prune",
                    "--quiet",
                    "origin",
                    cwd=self.root,
                )
                return MirrorOutcome(path, "fetched")
            except MirrorError:
                pass  # a damaged pack or a rewritten remote: a fresh clone settles both
        self._clone(target, path)
        return MirrorOutcome(path, "recloned")

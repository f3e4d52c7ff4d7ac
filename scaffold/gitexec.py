"""Every git process scaffold starts: one policy for its configuration, environment and stdin.

Nothing else in scaffold calls `subprocess` for git. Two profiles share one hardened core:

- `ISOLATED`, for repositories scaffold reads but did not make (a scan, the commit hooks, an
  audit, an organisation's mirrors) and for scaffold's own bookkeeping repositories (local
  template copies). The repository is untrusted: system and global config are ignored, every
  key that could make git execute something is overridden on the command line (command-line
  config wins over repository config), hooks point at an empty directory, every transport is
  forbidden unless a caller names the protocols it needs (a mirror's clone), and no replace
  refs or grafts rewrite history.
- `USER`, for the user's own repositories that scaffold writes to (`new`, `update`, `adopt`,
  `purge`) and for reading the user's own git settings. The user's config applies (identity,
  excludes, line endings, LFS filters, credential helpers for a private template), but
  nothing interactive can start: no editor, pager, prompt or fsmonitor, and scaffold's own
  git calls never run the repository's hooks.

Both profiles give every child an explicitly empty stdin (`/dev/null` is not always a device on
these machines), drop the caller's `GIT_*` variables that could redirect or reconfigure git
(keeping, for the hooks, the index and object locations the calling git hands to its hooks),
and report a failure as one line naming the command.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
import weakref
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import IO

from scaffold.errors import RepositoryError


class Profile(Enum):
    ISOLATED = "isolated"
    USER = "user"


# Keys a repository could use to make git execute something, or that change what plumbing
# prints; each is overridden on the command line. Plumbing never reads most of them;
# overriding them anyway costs nothing.
_NEUTRAL_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.untrackedCache", "false"),
    ("core.pager", "cat"),
    ("core.editor", "false"),
    ("sequence.editor", "false"),
    ("core.askPass", ""),
    ("core.sshCommand", "false"),
    ("core.gitProxy", ""),
    ("core.alternateRefsCommand", ""),
    ("core.quotePath", "false"),
    ("credential.helper", ""),
    ("diff.external", ""),
    ("diff.renames", "false"),
    ("log.showSignature", "false"),
    ("log.showRoot", "true"),
    ("diff.relative", "false"),
    ("log.mailmap", "false"),
    ("gpg.program", "false"),
    ("color.ui", "never"),
    ("protocol.allow", "never"),
    ("fetch.recurseSubmodules", "false"),
    ("submodule.recurse", "false"),
    ("safe.directory", "*"),  # we never run repository code, so ownership checks add nothing
)
# What USER still overrides: anything that would wait for a person or run a program
# behind the user's back. Credential helpers, filters and ssh stay the user's.
_INTERACTIVE_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.pager", "cat"),
    ("core.editor", "false"),
    ("sequence.editor", "false"),
    ("color.ui", "never"),
)
# Variables the calling git sets for its hooks: where the repository, the index and the
# incoming objects are (a partial commit's temporary index, a push's quarantine). Kept only
# with `hook_env`: the user's git set them, no repository did.
_HOOK_LOCATIONS = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_COMMON_DIR",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_QUARANTINE_PATH",
    }
)
# A user's own repositories keep the variables that say who they are and how they reach a
# remote; everything else under GIT_* could redirect or reconfigure git.
_USER_VARIABLES = frozenset(
    {
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_COMMITTER_DATE",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_SSL_CAINFO",
        "GIT_SSL_CAPATH",
    }
)


def _read_only_environment(scratch: Path, hook_env: bool) -> dict[str, str]:
    keep = _HOOK_LOCATIONS if hook_env else frozenset()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in keep}
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": str(scratch / "gitconfig"),
            "GIT_ATTR_NOSYSTEM": "1",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_GRAFT_FILE": str(scratch / "no-grafts"),  # history as stored
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_NO_LAZY_FETCH": "1",
            "GIT_ASKPASS": "",
            "SSH_ASKPASS": "",
        }
    )
    return env


def _own_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _USER_VARIABLES}


def _common(env: dict[str, str]) -> dict[str, str]:
    env.update(
        {"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "PAGER": "cat", "LC_ALL": "C", "LANG": "C"}
    )
    return env


class Git:
    """git for one repository (or one working directory) under one profile.

    Use as a context manager, or call `close`: an ISOLATED instance owns a scratch directory
    (empty global config and hooks). Instances pickle: worker processes use the parent's
    scratch directory, which the parent removes.
    """

    def __init__(
        self,
        cwd: Path | None = None,
        *,
        profile: Profile = Profile.ISOLATED,
        git_dir: Path | None = None,
        config: Iterable[tuple[str, str]] = (),
        protocols: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        hook_env: bool = False,
        timeout: float | None = None,
    ) -> None:
        """`cwd`: where git runs (and finds the repository, unless `git_dir` names it); by
        default an ISOLATED instance's empty scratch directory, so only `git_dir` is read.
        `config`: extra `-c key=value` pairs (after the policy's, so they can tighten it).
        `protocols`: transports an ISOLATED clone or fetch may use. `env`: extra variables
        (an identity, a token header); never any that the profile drops for safety."""
        self.git_dir = git_dir
        self.profile = profile
        self.timeout = timeout
        self._scratch: Path | None = None
        self._owned: list[Path] = []
        pairs: list[tuple[str, str]] = []
        if profile is Profile.ISOLATED:
            self._scratch = Path(tempfile.mkdtemp(prefix="scaffold-git-"))
            (self._scratch / "hooks").mkdir()
            (self._scratch / "gitconfig").write_bytes(b"")
            base = _read_only_environment(self._scratch, hook_env)
            cwd = cwd or self._scratch
            # a clone over ssh needs ssh itself; the repository's config cannot name it yet
            pairs += [
                p for p in _NEUTRAL_CONFIG if p[0] != "core.sshCommand" or "ssh" not in protocols
            ]
            pairs += [(f"protocol.{name}.allow", "always") for name in protocols]
        else:
            base = _own_environment()
            pairs += _INTERACTIVE_CONFIG
        if cwd is None:
            raise ValueError("a USER git needs the directory it runs in")
        self.cwd = cwd
        self.env = _common(base)
        if env:
            self.env.update(env)
        if profile is Profile.ISOLATED:
            pairs += _driver_overrides(self.env, cwd, git_dir)
        self._options: list[str] = []
        for key, value in (*pairs, ("core.hooksPath", str(self.hooks_dir)), *config):
            self._options += ["-c", f"{key}={value}"]

    @property
    def hooks_dir(self) -> Path:
        """A place git finds no hook in."""
        if self._scratch is not None:
            return self._scratch / "hooks"
        return Path(os.devnull)  # not a directory (device or file): no hook can be found in it

    def adopt(self, directory: Path) -> None:
        """Remove `directory` (made for this git's use) when this git is closed."""
        self._owned.append(directory)

    def close(self) -> None:
        for directory in (self._scratch, *self._owned):
            if directory is not None:
                shutil.rmtree(directory, ignore_errors=True)

    def __enter__(self) -> Git:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def at(self, cwd: Path) -> Git:
        """The same policy, run from another directory (sharing this one's scratch)."""
        twin = object.__new__(Git)
        twin.__dict__.update(self.__dict__)
        twin.cwd = cwd
        return twin

    def argv(self, *args: str) -> list[str]:
        """The full command line for `git <args>` with every override in place."""
        where = [f"--git-dir={self.git_dir}"] if self.git_dir is not None else []
        return ["git", "--no-pager", *where, *self._options, *args]

    def run(
        self, *args: str, input: bytes = b"", check: bool = True, timeout: float | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        """Run to completion; `check` turns a failure into a one-line RepositoryError."""
        limit = timeout if timeout is not None else self.timeout
        try:
            proc = subprocess.run(
                self.argv(*args),
                input=input,
                capture_output=True,
                env=self.env,
                cwd=self.cwd,
                timeout=limit,
                check=False,
            )
        except FileNotFoundError as exc:
            raise RepositoryError("git is not installed or not on PATH") from exc
        except subprocess.TimeoutExpired:
            raise RepositoryError(f"git {args[0]} timed out after {limit:.0f} s") from None
        if check and proc.returncode != 0:
            where = self.git_dir or self.cwd
            raise RepositoryError(f"git {args[0]} failed in {where}: {first_line(proc.stderr)}")
        return proc

    def output(self, *args: str, input: bytes = b"") -> bytes:
        return self.run(*args, input=input).stdout

    def text(self, *args: str) -> str:
        """stdout of a successful call, decoded and stripped."""
        return self.output(*args).decode("utf-8", "surrogateescape").strip()

    def popen(
        self,
        *args: str,
        stdin: bool = False,
        stderr: IO[bytes],
        source: IO[bytes] | None = None,
        stdout: IO[bytes] | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start a long-lived child; stdin is a pipe we own (closed at once unless `stdin`), or
        `source`, another child's stdout, so two git processes stream into each other.
        stdout is a pipe we read, or the file `stdout`.

        stderr goes to a file so a chatty child can never block on a full pipe.
        """
        try:
            proc = subprocess.Popen(
                self.argv(*args),
                stdin=source if source is not None else subprocess.PIPE,
                stdout=stdout if stdout is not None else subprocess.PIPE,
                stderr=stderr,
                env=self.env,
                cwd=self.cwd,
            )
        except FileNotFoundError as exc:
            raise RepositoryError("git is not installed or not on PATH") from exc
        if not stdin and source is None and proc.stdin is not None:
            proc.stdin.close()
        _LONG_LIVED.add(proc)
        return proc


# Every long-lived git child started here, while its Popen lives: a process forked meanwhile
# would inherit the pipes to it (and a cat-file whose stdin a fork holds never sees its end).
_LONG_LIVED: weakref.WeakSet[subprocess.Popen[bytes]] = weakref.WeakSet()


def children_running() -> bool:
    """Whether a long-lived git child started by `Git.popen` may still be running."""
    return any(proc.poll() is None for proc in list(_LONG_LIVED))


# Per-driver keys a repository can define (`filter.<name>.clean`...) and .gitattributes can
# select; they cannot be overridden without their names, so the names are read first.
_DRIVER_KEYS = {
    ("filter", "clean"): "",
    ("filter", "smudge"): "",
    ("filter", "process"): "",
    ("filter", "required"): "false",
    ("diff", "textconv"): "cat",  # a blank one fails; cat shows the content as stored
    ("diff", "command"): "true",  # likewise; such paths then show no diff (use --no-ext-diff)
    ("merge", "driver"): "",
}


def _driver_overrides(
    env: Mapping[str, str], cwd: Path, git_dir: Path | None
) -> list[tuple[str, str]]:
    """Blank every filter, diff and merge driver the repository's config (with its includes)
    defines: reading config runs nothing, and a blank driver is no driver."""
    where = [f"--git-dir={git_dir}"] if git_dir is not None else []
    try:
        proc = subprocess.run(
            ["git", *where, "config", "--list", "--name-only", "--includes"],
            input=b"",
            capture_output=True,
            env=dict(env),
            cwd=cwd,
            check=False,
        )
    except FileNotFoundError as exc:
        raise RepositoryError("git is not installed or not on PATH") from exc
    overrides: list[tuple[str, str]] = []
    for raw in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
        section, _, rest = raw.partition(".")
        name, _, key = rest.rpartition(".")
        value = _DRIVER_KEYS.get((section.lower(), key.lower()))
        if name and value is not None and (raw, value) not in overrides:
            overrides.append((raw, value))
    return overrides


def first_line(stderr: bytes) -> str:
    """The line of git's complaint that explains a failure (its last `fatal:`/`error:`)."""
    text = stderr.decode("utf-8", "replace").strip()
    lines = [line for line in text.splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (fatal[-1] if fatal else lines[-1] if lines else "unknown error").strip()


@functools.cache
def git_version() -> tuple[int, int]:
    """(major, minor) of the git on PATH; (0, 0) if it cannot say."""
    with Git() as git:
        proc = git.run("--version", check=False)
    found = re.search(rb"(\d+)\.(\d+)", proc.stdout)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


def own(cwd: Path, *, env: Mapping[str, str] | None = None) -> Git:
    """git in the user's own work tree at `cwd` (no scratch directory to close)."""
    return Git(cwd, profile=Profile.USER, env=env)

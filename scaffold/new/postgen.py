"""Post-generation: make the rendered tree a git repository with a secrets baseline and hooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scaffold.errors import ScaffoldError

BASELINE = ".secrets.baseline"
INITIAL_MESSAGE = "Initial commit from scaffold"
# Used only when the user has no git identity configured, so the first commit still happens.
# Below this many files a process pool costs more than it saves.
_PARALLEL_FROM = 16
_MAX_SCAN_WORKERS = 4
FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "scaffold",
    "GIT_AUTHOR_EMAIL": "scaffold@localhost",
    "GIT_COMMITTER_NAME": "scaffold",
    "GIT_COMMITTER_EMAIL": "scaffold@localhost",
}


def _run(
    repo: Path, argv: list[str], what: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    merged = dict(os.environ)
    merged["GIT_TERMINAL_PROMPT"] = "0"
    if env:
        merged.update(env)
    try:
        proc = subprocess.run(
            argv, cwd=repo, input=b"", capture_output=True, env=merged, check=False
        )
    except FileNotFoundError as exc:
        raise ScaffoldError(f"{what} failed: {argv[0]} not found") from exc
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).decode(errors="replace").strip().splitlines()
        raise ScaffoldError(f"{what} failed: {lines[-1] if lines else f'exit {proc.returncode}'}")
    return proc


def _git(repo: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    proc = _run(repo, ["git", *args], f"git {args[0]}", env)
    return proc.stdout.decode(errors="replace")


def init_repository(repo: Path) -> None:
    """`git init -b main` and stage everything the template rendered."""
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")


def tracked_files(repo: Path) -> list[str]:
    """Paths git tracks (or has staged), as detect-secrets scans them."""
    out = _git(repo, "ls-files", "-z")
    return sorted(path for path in out.split("\0") if path)


def scan_baseline(repo: Path, files: list[str]) -> dict[str, Any]:
    """The baseline `detect-secrets scan` would print in `repo`, computed in process.

    In process saves a second interpreter start, and a few worker processes halve the scan
    (detect-secrets is pure Python, line by line); the settings are the CLI's defaults, applied
    inside `transient_settings` so nothing global leaks out.
    """
    from detect_secrets.core import baseline
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.main import parse_args
    from detect_secrets.settings import transient_settings

    with transient_settings({}):
        parse_args(["scan", str(repo)])  # configures the CLI's default plugins and filters
        secrets = SecretsCollection(root=str(repo))
        workers = min(_MAX_SCAN_WORKERS, os.cpu_count() or 1)
        if workers > 1 and len(files) >= _PARALLEL_FROM:
            secrets.scan_files(*files, num_processors=workers)
        else:
            for path in files:
                secrets.scan_file(path)
        output: dict[str, Any] = baseline.format_for_output(secrets)
        return output


def write_baseline(repo: Path) -> None:
    """Write `.secrets.baseline` over the staged files and stage it.

    A freshly generated tree must contain nothing detect-secrets flags: any result is a
    template bug, so it fails here instead of being silently baselined.
    """
    result = scan_baseline(repo, tracked_files(repo))
    findings: dict[str, list[dict[str, Any]]] = result["results"]
    if findings:
        where = ", ".join(
            f"{path}:{item.get('line_number', '?')} ({item.get('type', '?')})"
            for path, items in sorted(findings.items())
            for item in items
        )
        raise ScaffoldError(f"the generated service contains potential secrets: {where}")
    (repo / BASELINE).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    _git(repo, "add", "--", BASELINE)


def _has_identity(repo: Path) -> bool:
    """True when git has an explicit author name and e-mail (environment or config)."""
    for key, variable in (("user.name", "GIT_AUTHOR_NAME"), ("user.email", "GIT_AUTHOR_EMAIL")):
        if os.environ.get(variable):
            continue
        probe = subprocess.run(
            ["git", "config", "--get", key], cwd=repo, input=b"", capture_output=True, check=False
        )
        if probe.returncode != 0 or not probe.stdout.strip():
            return False
    return True


def initial_commit(repo: Path) -> str:
    """Commit everything staged, as the configured git user (or scaffold's fallback identity)."""
    env = None if _has_identity(repo) else FALLBACK_IDENTITY
    _git(repo, "commit", "-q", "--no-verify", "-m", INITIAL_MESSAGE, env=env)
    return _git(repo, "rev-parse", "HEAD").strip()


def install_hooks(repo: Path) -> Path:
    """`pre-commit install` with this Python's pre-commit; returns the hook script's path."""
    _run(repo, [sys.executable, "-m", "pre_commit", "install"], "pre-commit install")
    hook = repo / ".git" / "hooks" / "pre-commit"
    if not hook.is_file():
        raise ScaffoldError("pre-commit install did not create .git/hooks/pre-commit")
    return hook

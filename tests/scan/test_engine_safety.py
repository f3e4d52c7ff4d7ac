"""A hostile repository's configured programs never run while we scan it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.scan.engine import scan_repository
from scaffold.scan.examples import expand
from scaffold.scan.model import ScanOptions, redact
from tests.gitrepo import GitRepo, git

HOOKS = (
    "pre-commit",
    "post-checkout",
    "post-merge",
    "pre-push",
    "reference-transaction",
    "post-index-change",
    "pre-auto-gc",
    "fsmonitor-watchman",
)


def arm(repo: GitRepo, marker: Path) -> None:
    """Configure every hook point git offers a repository; each writes `marker` if run."""
    script = repo.path.parent / "evil.sh"
    script.write_text(f'#!/bin/sh\necho "$0 $*" >> "{marker}"\n', "utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    hooks = repo.path / ".git" / "hooks"
    for name in HOOKS:
        (hooks / name).write_text(script.read_text("utf-8"), "utf-8")
        (hooks / name).chmod(0o755)
    settings = {
        "core.fsmonitor": str(script),
        "core.hooksPath": str(hooks),
        "core.pager": str(script),
        "core.editor": str(script),
        "core.sshCommand": str(script),
        "core.askPass": str(script),
        "core.alternateRefsCommand": str(script),
        "filter.evil.clean": str(script),
        "filter.evil.smudge": str(script),
        "filter.evil.process": str(script),
        "filter.evil.required": "true",
        "diff.evil.textconv": str(script),
        "diff.evil.command": str(script),
        "diff.external": str(script),
        "pager.log": str(script),
        "alias.log": f"!{script}",
        "alias.cat-file": f"!{script}",
        "gpg.program": str(script),
        "log.showSignature": "true",
        "credential.helper": f"!{script}",
        "uploadpack.packObjectsHook": str(script),
        "sequence.editor": str(script),
        # not programs, but settings that would change what plumbing prints if we obeyed them
        "log.showRoot": "false",
        "diff.relative": "true",
        "diff.renames": "copies",
        "core.quotePath": "true",
        "i18n.logOutputEncoding": "UTF-16",
    }
    for key, value in settings.items():
        git(repo.path, "config", key, value)


@pytest.fixture
def hostile(repo: GitRepo, tmp_path: Path) -> tuple[GitRepo, Path]:
    token = expand("{{github:ghp}}", 3)
    root = {".gitattributes": "* filter=evil diff=evil\n", "créds.env": f"T={token}\n"}
    repo.commit(f"add creds {expand('{{github:ghp}}', 4)}", root)  # the root commit
    repo.commit("more", {"other.txt": "x\n"})
    marker = tmp_path / "ran.txt"
    arm(repo, marker)
    return repo, marker


def test_scan_never_runs_repository_code(hostile: tuple[GitRepo, Path]) -> None:
    repo, marker = hostile
    result = scan_repository(repo.path, ScanOptions(jobs=1))
    assert {f.source.value for f in result.findings} == {"blob", "commit-message"}
    blob = next(f for f in result.findings if f.source.value == "blob")
    # provenance ran too (git log over history), unbothered by the repository's settings
    assert blob.first is not None
    assert (blob.first.commit, blob.first.path) == (repo.commits[0], "créds.env")
    pasted = expand("{{github:ghp}}", 4)
    assert blob.first.summary == f"add creds {redact(pasted)}"  # the pasted token is redacted
    assert not marker.exists(), marker.read_text("utf-8")


def test_cli_scan_never_runs_repository_code(
    hostile: tuple[GitRepo, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, marker = hostile
    assert main(["scan", str(repo.path), "--format", "json", "--no-progress"]) == 1
    assert not marker.exists(), marker.read_text("utf-8")


def test_the_trap_is_armed(hostile: tuple[GitRepo, Path]) -> None:
    """Ordinary git in the same repository does run the configured programs."""
    repo, marker = hostile
    git(repo.path, "status", check=False)
    git(repo.path, "log", "-p", "-1", check=False)
    assert marker.exists()


def test_callers_git_environment_is_ignored(
    hostile: tuple[GitRepo, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Inside a git hook GIT_DIR and friends are set; they must not redirect or arm a scan."""
    repo, marker = hostile
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "core.pager")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", str(repo.path.parent / "evil.sh"))
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", str(repo.path.parent / "evil.sh"))
    result = scan_repository(repo.path, ScanOptions(jobs=1))
    assert result.repository == str(repo.path)
    assert len(result.findings) == 2
    assert not marker.exists()

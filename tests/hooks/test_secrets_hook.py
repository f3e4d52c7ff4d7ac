"""scaffold-secrets: the index is what gets scanned; pragma, baseline and bad input behave."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scaffold.hooks.secrets import scan_staged
from scaffold.hooks.secrets_cli import main
from scaffold.scan.examples import expand
from scaffold.scan.model import ScanOptions
from tests.gitrepo import GitRepo, git
from tests.hooks.helpers import github_token


def stage(repo: GitRepo, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        repo.write(name, content)
    git(repo.path, "add", "-A")


def run_hook(repo: GitRepo, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.chdir(repo.path)
    return main(list(args))


def test_staged_secret_blocks_with_redacted_location(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = github_token()
    stage(repo, {"app/settings.py": f"DEBUG = False\nTOKEN = '{token}'\n"})
    assert run_hook(repo, monkeypatch) == 1
    out = capsys.readouterr().out
    assert "app/settings.py:2:10  github-pat-classic  ghp_…[40 chars]  (checksum-valid)" in out
    assert token not in out
    assert "# pragma: allowlist secret" in out


def test_golden_message(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stage(repo, {"config.py": f"TOKEN = '{github_token(3)}'\n"})
    assert run_hook(repo, monkeypatch) == 1
    out = capsys.readouterr().out
    first, location, description, *rest = out.splitlines()
    assert first == "scaffold-secrets: 1 secret in staged changes; commit blocked"
    assert location == "  config.py:1:10  github-pat-classic  ghp_…[40 chars]  (checksum-valid)"
    assert description.startswith("      GitHub personal access token (classic). Revoke")
    assert rest == [
        "A real secret: take it out of the file, revoke it with its provider, and load it "
        "from a secret manager.",
        "Not a secret (a test value, a documented example):",
        "  - end its line with `# pragma: allowlist secret`, or",
        "  - accept it in .secrets.baseline: `scaffold-secrets --update-baseline`, then "
        "`git add .secrets.baseline`",
    ]


def test_index_not_working_tree(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    token = github_token()
    stage(repo, {"a.py": f"T = '{token}'\n"})
    repo.write("a.py", "T = None\n")  # cleaned in the work tree, but the index still has it
    assert run_hook(repo, monkeypatch) == 1
    git(repo.path, "add", "a.py")
    repo.write("a.py", f"T = '{token}'\n")  # unstaged: not part of this commit
    assert run_hook(repo, monkeypatch) == 0


def test_pragma_allows(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    stage(repo, {"a.py": f"T = '{github_token()}'  # pragma: allowlist secret\n"})
    assert run_hook(repo, monkeypatch) == 0


def test_update_baseline_then_commit_passes(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = github_token()
    stage(repo, {"tests/fixture.py": f"T = '{token}'\n"})
    assert run_hook(repo, monkeypatch, "--update-baseline") == 0
    text = (repo.path / ".secrets.baseline").read_text(encoding="utf-8")
    assert token not in text
    baseline = json.loads(text)
    [entry] = baseline["results"][".secrets.baseline"]
    assert entry["type"] == "GitHub Token" and entry["is_secret"] is False
    assert run_hook(repo, monkeypatch) == 0
    result = scan_staged(repo.path, ScanOptions(baseline=repo.path / ".secrets.baseline"))
    assert result.findings == () and result.suppressed == 1
    # a second update adds nothing
    assert run_hook(repo, monkeypatch, "--update-baseline") == 0
    assert "0 secret(s) added" in capsys.readouterr().out
    # --no-baseline still sees it
    assert run_hook(repo, monkeypatch, "--no-baseline") == 1


def test_accepted_entries_survive_detect_secrets_hook(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """detect-secrets' hook drops baseline entries it cannot find itself in the files it
    scans; scaffold files accepted entries where that never happens."""
    token = expand("github_pat_{{alnum:22}}_{{alnum:59}}", 1)  # detect-secrets misses these
    stage(repo, {"run.sh": f'curl -H "Authorization: Bearer" {token}\n'})
    assert run_hook(repo, monkeypatch, "--update-baseline") == 0
    git(repo.path, "add", ".secrets.baseline")
    before = (repo.path / ".secrets.baseline").read_text(encoding="utf-8")
    hook = Path(sys.executable).parent / "detect-secrets-hook"
    proc = subprocess.run(
        [str(hook), "--baseline", ".secrets.baseline", "run.sh"],
        cwd=repo.path,
        input=b"",
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (repo.path / ".secrets.baseline").read_text(encoding="utf-8") == before
    assert run_hook(repo, monkeypatch) == 0


def test_broken_baseline_is_one_clear_error(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stage(repo, {"a.py": "x = 1\n", ".secrets.baseline": "{not json"})
    assert run_hook(repo, monkeypatch) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: baseline ") and "not valid JSON" in err
    assert "Traceback" not in err


def test_outside_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([]) == 2
    assert "is not inside a git work tree" in capsys.readouterr().err


def test_awkward_staged_content(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = github_token()
    repo.commit(
        "base",
        {
            "old.py": f"T = '{token}'  # pragma: allowlist secret\n",
            "gone.py": f"T = '{github_token(1)}'  # pragma: allowlist secret\n",
        },
    )
    git(repo.path, "mv", "old.py", "moved.py")
    repo.write("moved.py", f"T = '{token}'\n")  # renamed and the pragma dropped
    git(repo.path, "rm", "-q", "gone.py")  # deleted: nothing to scan
    name = b"caf\xe9-" + b"secret.txt"  # not UTF-8
    (repo.path / name.decode("utf-8", "surrogateescape")).write_bytes(
        f"key {github_token(2)}\n".encode()
    )
    repo.write("blob.bin", b"\x00\x01\xff" * 100 + token.encode() + b"\x00")
    repo.write("big.txt", "x" * 300 + "\n")
    git(repo.path, "add", "-A")
    assert run_hook(repo, monkeypatch, "--max-size", "200") == 1
    captured = capsys.readouterr()
    assert "moved.py:1:6" in captured.out
    assert "caf\\xe9-secret.txt:1:5" in captured.out
    assert "blob.bin" not in captured.out  # over --max-size: listed, not scanned
    assert "gone.py" not in captured.out
    assert "not scanned: big.txt (larger than 200 bytes)" in captured.err
    assert "not scanned: blob.bin" in captured.err


def test_binary_content_is_scanned_without_error(repo: GitRepo) -> None:
    stage(repo, {"data.bin": b"\x00\xff\xfe" + github_token().encode() + b"\x00" * 10})
    result = scan_staged(repo.path, ScanOptions())
    assert [f.first.path for f in result.findings if f.first] == ["data.bin"]


def test_only_named_paths_when_pre_commit_passes_filenames(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage(repo, {"a.py": f"T = '{github_token()}'\n", "b.py": "ok = True\n"})
    assert run_hook(repo, monkeypatch, "b.py") == 0
    assert run_hook(repo, monkeypatch, "a.py", "b.py") == 1


def test_same_blob_on_two_paths_reported_at_both(repo: GitRepo) -> None:
    content = f"T = '{github_token()}'\n"
    stage(repo, {"one.py": content, "two.py": content})
    result = scan_staged(repo.path, ScanOptions())
    # one finding for one secret, in every place it is staged
    assert [sorted(p.path for p in f.provenance) for f in result.findings] == [["one.py", "two.py"]]
    assert result.stats.blobs_scanned == 1


def test_names_relative_to_a_subdirectory(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    stage(repo, {"pkg/mod.py": f"T = '{github_token()}'\n"})
    monkeypatch.chdir(repo.path / "pkg")
    assert main(["mod.py"]) == 1
    assert main(["../README.md"]) == 0


def test_commit_message_hook(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = github_token(5)
    message = repo.path / ".git" / "COMMIT_EDITMSG"
    message.write_text(f"Fix login\n\nused {token} to test\n# {github_token(6)}\n", "utf-8")
    assert run_hook(repo, monkeypatch, "--commit-msg", ".git/COMMIT_EDITMSG") == 1
    out = capsys.readouterr().out
    assert "  commit message:3:6  github-pat-classic  ghp_…[40 chars]" in out
    assert "commit message:4" not in out  # git drops `#` lines: not recorded, not reported
    message.write_text("Fix login\n\nrotated the token\n", "utf-8")
    assert run_hook(repo, monkeypatch, "--commit-msg", ".git/COMMIT_EDITMSG") == 0
    assert run_hook(repo, monkeypatch, "--commit-msg") == 2
    assert "exactly one file name" in capsys.readouterr().err

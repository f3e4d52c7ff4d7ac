"""`scaffold scan` from the command line: exit codes, formats, output files, baselines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.cli.scan import parse_size
from scaffold.scan.examples import expand
from tests.gitrepo import GitRepo

GOLDEN_HELP = Path(__file__).parent / "golden" / "scan-help.txt"


@pytest.fixture
def leaky(repo: GitRepo) -> tuple[GitRepo, str]:
    secret = expand("{{github:ghp}}", 21)
    repo.commit("start", {"README.md": "hello\n"})
    repo.commit("oops", {"deploy.env": f"GITHUB_TOKEN={secret}\n"})
    return repo, secret


def scan(*args: str) -> int:
    return main(["scan", "--no-progress", *args])


def test_clean_repository_exits_0(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("start", {"README.md": "hello\n"})
    assert scan(str(repo.path)) == 0
    assert "No secrets found" in capsys.readouterr().out


def test_findings_exit_1_and_secret_is_redacted(
    leaky: tuple[GitRepo, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, secret = leaky
    assert scan(str(repo.path)) == 1
    out = capsys.readouterr().out
    assert "github-pat-classic" in out
    assert secret not in out
    assert secret[:4] in out


def test_show_secrets_prints_it(
    leaky: tuple[GitRepo, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, secret = leaky
    assert scan(str(repo.path), "--format", "json", "--show-secrets") == 1
    document = json.loads(capsys.readouterr().out)
    assert secret in json.dumps(document)


def test_json_report_has_provenance(
    leaky: tuple[GitRepo, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, secret = leaky
    assert scan(str(repo.path), "--format", "json") == 1
    text = capsys.readouterr().out
    assert secret not in text
    assert "deploy.env" in text
    assert repo.commits[1] in text


def test_a_directory_that_is_not_a_repository_is_scanned_as_plain_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert scan(str(plain)) == 0
    secret = expand("{{github:ghp}}", 71)
    (plain / "deploy.env").write_text(f"TOKEN={secret}\n", "utf-8")
    capsys.readouterr()
    assert scan(str(plain), "--format", "json") == 1
    out = capsys.readouterr().out
    assert "deploy.env" in out and secret not in out
    # the terminal report counts files (a directory has no blobs or commits); a repository
    # below it is announced, with the flag that scans its history
    (plain / "inner").mkdir()
    subprocess.run(
        ["git", "init", "-q", str(plain / "inner")], check=True, stdin=subprocess.DEVNULL
    )
    assert scan(str(plain)) == 1
    captured = capsys.readouterr()
    assert "Scanned 1 file (0.0 MB) in " in captured.out and " commits" not in captured.out
    assert "It holds 1 repository: add --repositories" in captured.err


def test_a_missing_path_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert scan(str(tmp_path / "nowhere")) == 2
    err = capsys.readouterr().err
    assert err == f"error: {tmp_path / 'nowhere'}: no such file or directory\n"


def test_empty_repository_says_so(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert scan(str(repo.path), "--format", "json") == 0
    assert "warning: empty repository: no commits to scan" in capsys.readouterr().err


def test_output_file_written_and_never_overwritten_without_force(
    leaky: tuple[GitRepo, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = leaky
    target = tmp_path / "report.sarif"
    assert scan(str(repo.path), "--format", "sarif", "--output", str(target)) == 1
    assert json.loads(target.read_text("utf-8"))["version"] == "2.1.0"
    target.write_text("keep me", "utf-8")
    capsys.readouterr()
    assert scan(str(repo.path), "--format", "sarif", "--output", str(target)) == 2
    assert "already exists (use --force to replace it)" in capsys.readouterr().err
    assert target.read_text("utf-8") == "keep me"
    assert scan(str(repo.path), "--format", "sarif", "--output", str(target), "--force") == 1
    assert target.read_text("utf-8") != "keep me"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_output_into_missing_directory_is_refused(
    leaky: tuple[GitRepo, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = leaky
    assert scan(str(repo.path), "--output", str(tmp_path / "no" / "r.json")) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_baseline_suppresses_known_findings(
    leaky: tuple[GitRepo, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = leaky
    baseline = repo.path / ".secrets.baseline"
    assert scan(str(repo.path), "--format", "baseline", "--output", str(baseline)) == 0
    capsys.readouterr()
    # picked up from the repository root by default
    assert scan(str(repo.path), "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["summary"]["suppressed"] == 1
    assert scan(str(repo.path), "--no-baseline", "--format", "json") == 1
    capsys.readouterr()
    assert scan(str(repo.path), "--baseline", str(baseline), "--format", "json") == 0


def test_broken_baseline_is_a_usage_error(
    leaky: tuple[GitRepo, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = leaky
    broken = tmp_path / "broken.baseline"
    broken.write_text("{not json", "utf-8")
    assert scan(str(repo.path), "--baseline", str(broken)) == 2
    assert capsys.readouterr().err.startswith(f"error: baseline {broken} is not valid JSON")


def test_max_blob_size_lists_skipped(
    leaky: tuple[GitRepo, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = leaky
    # a scan that could not read everything says so in its exit code, whatever it found
    assert scan(str(repo.path), "--max-blob-size", "8", "--format", "json") == 4
    captured = capsys.readouterr()
    assert "larger than 8 bytes" in captured.out
    assert "not scanned: deploy.env (larger than 8 bytes)" in captured.err  # README.md is 6 B


@pytest.mark.parametrize(
    ("text", "size"), [("10M", 10 << 20), ("512k", 512 << 10), ("1.5G", 3 << 29), ("99", 99)]
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("bad", [["--max-blob-size", "ten"], ["--jobs", "-1"], ["--engine", "x"]])
def test_bad_arguments_exit_2(bad: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        scan(*bad)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_help_is_pinned(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main(["scan", "--help"])
    assert capsys.readouterr().out == GOLDEN_HELP.read_text("utf-8")


def test_subprocess_never_shows_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scaffold", "scan", str(tmp_path / "missing")],
        input=b"",
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == [
        f"error: {tmp_path / 'missing'}: no such file or directory"
    ]


@pytest.mark.parametrize("fmt", ["terminal", "json", "sarif", "baseline"])
def test_no_format_leaks_a_secret_without_show_secrets(
    repo: GitRepo, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    in_file, in_message = expand("{{github:ghp}}", 31), expand("{{github:ghp}}", 32)
    repo.commit(f"ci: use {in_message}", {"ci.env": f"GITHUB_TOKEN={in_file}\n"})
    assert scan(str(repo.path), "--format", fmt, "--no-baseline") == (0 if fmt == "baseline" else 1)
    captured = capsys.readouterr()
    for secret in (in_file, in_message):
        assert secret not in captured.out
        assert secret not in captured.err


def test_progress_on_a_terminal_keeps_the_report_clean(
    leaky: tuple[GitRepo, str], tmp_path: Path
) -> None:
    """With stderr on a terminal the progress bar runs; the report file is unaffected."""
    import pexpect

    repo, secret = leaky
    target = tmp_path / "out.json"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "scaffold", "scan", str(repo.path), "--format", "json", "--output", str(target)],
        timeout=60,
        env={**os.environ, "COLUMNS": "100", "TERM": "xterm"},
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1, child.before
    shown = child.before or b""
    assert b"scanning" in shown  # the bar was drawn on the terminal
    assert b"Traceback" not in shown
    assert json.loads(target.read_text("utf-8"))["summary"]["secrets"] == 1
    assert secret not in target.read_text("utf-8")


ACME_RULES = """\
provider = "Acme"
severity = "high"
remediation = "Revoke the key in the Acme console."

[[rules]]
id = "acme-api-key"
description = "Acme API key"
pattern = '\\b(acme_[a-z0-9]{32})\\b'
keywords = ["acme_"]
examples = ['ACME_KEY=«acme_{{lower_alnum:32}}»']
"""


def test_extra_rule_file(repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = expand("acme_{{lower_alnum:32}}", 3)
    repo.commit("acme", {"acme.env": f"ACME_KEY={key}\n"})
    assert scan(str(repo.path), "--format", "json") == 0  # unknown to the packaged rules
    rules = tmp_path / "acme.toml"
    rules.write_text(ACME_RULES, "utf-8")
    capsys.readouterr()
    assert scan(str(repo.path), "--format", "json", "--rules", str(rules)) == 1
    assert "acme-api-key" in capsys.readouterr().out


def test_broken_rule_file_is_one_line(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("a", {"README": "x\n"})
    rules = tmp_path / "broken.toml"
    rules.write_text("provider = \n", "utf-8")
    assert scan(str(repo.path), "--rules", str(rules)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "broken.toml" in err


def test_regenerating_the_baseline_keeps_known_secrets(
    leaky: tuple[GitRepo, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = leaky
    baseline = repo.path / ".secrets.baseline"
    # writing a baseline is the job: done is 0, whatever the baseline records
    assert scan(str(repo.path), "--format", "baseline", "--output", str(baseline)) == 0
    first = json.loads(baseline.read_text("utf-8"))["results"]
    args = ("--format", "baseline", "--output", str(baseline), "--force")
    assert scan(str(repo.path), *args) == 0
    assert json.loads(baseline.read_text("utf-8"))["results"] == first != {}

"""What a user reads is pinned: `audit --help`, `adopt --help`, and a scorecard."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.cli import main
from tests.audit.test_audit_cli import PLANTED
from tests.gitrepo import GitRepo

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("command", ["audit", "adopt"])
def test_help_is_pinned(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert capsys.readouterr().out == (GOLDEN / f"{command}-help.txt").read_text("utf-8")


def test_scorecard_is_pinned(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in PLANTED.items():
        repo.write(name, text)
    repo.commit("planted")
    assert (
        main(["audit", "--no-history", str(repo.path), "--datastore", str(tmp_path / "a.db")]) == 0
    )
    out = capsys.readouterr().out.replace(str(repo.path.resolve()), "<repository>")
    assert out == (GOLDEN / "planted-scorecard.txt").read_text("utf-8")

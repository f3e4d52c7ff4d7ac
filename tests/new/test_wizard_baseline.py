"""The generated repository's baseline: what `detect-secrets scan` writes, and nothing flagged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scaffold.errors import ScaffoldError
from scaffold.new.baseline import Flagged, scan, write_baseline
from tests.gitrepo import GitRepo, git


def staged_repo(path: Path, files: dict[str, str]) -> tuple[Path, list[str]]:
    repo = GitRepo.init(path)
    for name, text in files.items():
        repo.write(name, text)
    git(repo.path, "add", "-A")
    return repo.path, sorted(files)


def many_files(count: int) -> dict[str, str]:
    return {
        f"pkg/module_{i:02d}.py": f"VALUE_{i} = {i}\nNAME = 'module {i}'\n" for i in range(count)
    }


def test_clean_tree_matches_the_detect_secrets_cli(tmp_path: Path) -> None:
    root, files = staged_repo(tmp_path / "r", many_files(20))  # enough for the worker pool
    document, flagged = scan(root, files)
    assert flagged == []
    cli = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan"],
        cwd=root,
        input=b"",
        capture_output=True,
        check=True,
    )
    expected = json.loads(cli.stdout)
    for doc in (document, expected):
        doc.pop("generated_at")
    assert document == expected


@pytest.mark.parametrize("count", [3, 20], ids=["serial", "pool"])
def test_findings_are_named_and_nothing_is_written(tmp_path: Path, count: int) -> None:
    files = many_files(count)
    token = "ghp_" + "Zq9Xw8Vu7T" * 3 + "s6R5p4"  # built at run time, never a literal
    files["pkg/settings.py"] = f'DEBUG = False\nGITHUB_TOKEN = "{token}"\n'
    root, names = staged_repo(tmp_path / "r", files)
    _document, flagged = scan(root, names)
    assert Flagged("pkg/settings.py", 2, "GitHub Token") in flagged
    with pytest.raises(ScaffoldError, match=r"potential secrets: .*pkg/settings\.py:2") as exc:
        write_baseline(root, names)
    assert token not in str(exc.value), "the message names the place, never the value"
    assert not (root / ".secrets.baseline").exists()


def test_detect_secrets_settings_are_left_as_they_were(tmp_path: Path) -> None:
    from detect_secrets.settings import get_settings

    before = get_settings().json()
    root, files = staged_repo(tmp_path / "r", many_files(2))
    write_baseline(root, files)
    assert get_settings().json() == before
    assert json.loads((root / ".secrets.baseline").read_text(encoding="utf-8"))["results"] == {}

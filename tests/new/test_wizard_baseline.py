"""The generated repository's baseline: what `detect-secrets scan` writes, and nothing flagged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scaffold.errors import ScaffoldError
from scaffold.new.baseline import BaselineScan, Flagged, scan, staged_blobs, write_baseline
from tests.gitrepo import GitRepo, git


def staged_repo(path: Path, files: dict[str, str]) -> Path:
    repo = GitRepo.init(path)
    for name, text in files.items():
        repo.write(name, text)
    git(repo.path, "add", "-A")
    return repo.path


def many_files(count: int) -> dict[str, str]:
    return {
        f"pkg/module_{i:02d}.py": f"VALUE_{i} = {i}\nNAME = 'module {i}'\n" for i in range(count)
    }


def test_clean_tree_matches_the_detect_secrets_cli(tmp_path: Path) -> None:
    root = staged_repo(tmp_path / "r", many_files(20))  # enough for the worker pool
    document, flagged = scan(root, staged_blobs(root))
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


@pytest.mark.parametrize("count", [3, 20])
def test_findings_are_named_and_nothing_is_written(tmp_path: Path, count: int) -> None:
    files = many_files(count)
    token = "ghp_" + "Zq9Xw8Vu7T" * 3 + "s6R5p4"  # built at run time, never a literal
    files["pkg/settings.py"] = f'DEBUG = False\nGITHUB_TOKEN = "{token}"\n'
    root = staged_repo(tmp_path / "r", files)
    _document, flagged = scan(root, staged_blobs(root))
    assert Flagged("pkg/settings.py", 2, "GitHub Token") in flagged
    with pytest.raises(ScaffoldError, match=r"potential secrets: .*pkg/settings\.py:2") as exc:
        write_baseline(root)
    assert token not in str(exc.value), "the message names the place, never the value"
    assert not (root / ".secrets.baseline").exists()


def test_detect_secrets_settings_are_left_as_they_were(tmp_path: Path) -> None:
    from detect_secrets.settings import get_settings

    before = get_settings().json()
    root = staged_repo(tmp_path / "r", many_files(2))
    write_baseline(root)
    assert get_settings().json() == before
    assert json.loads((root / ".secrets.baseline").read_text(encoding="utf-8"))["results"] == {}


def test_clean_files_are_remembered_by_content_and_path(tmp_path: Path) -> None:
    token = "ghp_" + "Ab3De6Gh9K" * 3 + "m2N4p6"
    root = staged_repo(tmp_path / "a", {"app.py": "X = 1\n", "notes.md": "hello\n"})
    assert scan(root, staged_blobs(root))[1] == []
    # same path, new content: scanned again, and the finding is reported
    other = staged_repo(tmp_path / "b", {"app.py": f'TOKEN = "{token}"\n', "notes.md": "hello\n"})
    assert [f.path for f in scan(other, staged_blobs(other))[1]] == ["app.py"]
    # the flagged file was not remembered as clean: still reported the second time
    assert [f.path for f in scan(other, staged_blobs(other))[1]] == ["app.py"]
    # a remembered (blob, path) pair is not scanned again: prove it by planting one
    cache = next((Path(os.environ["SCAFFOLD_CACHE_DIR"]) / "clean-files").iterdir())
    with cache.open("a", encoding="utf-8") as out:
        out.write(f"{staged_blobs(other)['app.py']} app.py\n")
    assert scan(other, staged_blobs(other))[1] == []


@pytest.mark.parametrize("workers", [1, 2])
def test_a_file_changed_after_it_was_scanned_is_scanned_again(tmp_path: Path, workers: int) -> None:
    token = "ghp_" + "Qw7Er5Ty3U" * 3 + "i1O9p8"
    root = GitRepo.init(tmp_path / "r").path
    with BaselineScan(root, workers) as scanner:
        (root / "app.py").write_text("X = 1\n", encoding="utf-8")
        (root / "notes.md").write_text("hello\n", encoding="utf-8")
        scanner.add("app.py")
        scanner.add("notes.md")
        scanner.add("gone.txt")  # reported but never staged: ignored
        scanner._pending["app.py"].wait()  # its first scan is done before it changes
        # written again after it was reported, and one file never reported at all
        (root / "app.py").write_text(f'TOKEN = "{token}"\n', encoding="utf-8")
        (root / "late.py").write_text("Y = 2\n", encoding="utf-8")
        git(root, "add", "-A")
        _document, flagged = scanner.finish(staged_blobs(root))
    assert sorted(scanner.late) == ["app.py", "late.py"]
    assert [(f.path, f.line) for f in flagged] == [("app.py", 1)]

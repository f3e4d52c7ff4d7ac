"""Range scans: exactly the blobs and messages the commits of A..B introduced."""

from __future__ import annotations

import pytest

from scaffold.errors import RepositoryError, UsageError
from scaffold.scan.engine import scan
from scaffold.scan.git import open_repository
from scaffold.scan.model import ScanOptions, SourceKind
from scaffold.scan.sources.range import RangeSource, parse_range, select_range
from tests.gitrepo import GitRepo, git
from tests.hooks.helpers import github_token


def _found(repo: GitRepo, base: str | None, tip: str) -> dict[str, set[str]]:
    options = ScanOptions(engine="python")
    result = scan(RangeSource(repo.path, base, tip, options), options)
    found: dict[str, set[str]] = {}
    for f in result.findings:
        where = (
            f"message:{f.object_id[:7]}"
            if f.source is SourceKind.COMMIT_MESSAGE
            else (",".join(sorted({p.path for p in f.provenance})))
        )
        found.setdefault(f.match.secret, set()).add(where)
    return found


def test_range_scans_only_what_it_introduced(repo: GitRepo) -> None:
    old, copied, deleted, merged, message = (github_token(n) for n in range(5))
    repo.commit("before", {"old.py": f"A = '{old}'\n", "kept.py": f"K = '{copied}'\n"})
    base = repo.commit("base", {"readme.md": "hello\n"})
    repo.branch("feature")
    # an old blob copied to a new path inside the range: a change in the range, so scanned
    repo.commit("copy", {"copy.py": f"K = '{copied}'\n"})
    repo.commit("add then delete", {"tmp.py": f"D = '{deleted}'\n"})
    repo.remove("tmp.py")
    repo.commit("remove tmp")
    repo.commit(f"rotate {message}", {"notes.md": "rotated\n"})
    repo.checkout("main")
    repo.commit("main moves", {"main.md": "x\n"})
    tip = repo.merge("feature", "merge feature", {"merge.py": f"M = '{merged}'\n"})
    found = _found(repo, base, tip)
    assert found[copied] == {"copy.py"}
    assert found[deleted] == {"tmp.py"}
    assert found[merged] == {"merge.py"}
    assert any(w.startswith("message:") for w in found[message])
    assert old not in found  # introduced before the range, untouched in it
    everything = _found(repo, None, tip)
    assert old in everything and everything[copied] == {"copy.py,kept.py"}


def test_selection_lists_commits_oldest_first_with_merge_sides(repo: GitRepo) -> None:
    base = repo.commit("base", {"a": "1\n"})
    repo.branch("side")
    side = repo.commit("side", {"b": "2\n"})
    repo.checkout("main")
    repo.commit("main", {"c": "3\n"})
    tip = repo.merge("side", "merge")
    git, _ = open_repository(repo.path)
    with git:
        selection = select_range(git, base, tip)
    assert selection.commits[-1] == tip and side in selection.commits
    assert len(selection.commits) == 3
    paths = {p for places in selection.blobs.values() for _, p in places}
    assert paths == {"b", "c"}


def test_parse_range() -> None:
    assert parse_range("abc..def") == ("abc", "def")
    assert parse_range("abc..") == ("abc", "HEAD")
    assert parse_range("main") == (None, "main")
    with pytest.raises(UsageError):
        parse_range("a...b")
    with pytest.raises(UsageError):
        parse_range("..b")


def test_unknown_ref_is_one_clear_error(repo: GitRepo) -> None:
    repo.commit("one", {"a": "1\n"})
    with pytest.raises(RepositoryError, match="fetch-depth: 0"):
        RangeSource(repo.path, "0" * 40, "HEAD", ScanOptions()).prepare()


def test_cli_range_since_and_staged(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from scaffold.cli import main

    old, new = github_token(8), github_token(9)
    base = repo.commit("old", {"old.py": f"A = '{old}'\n"})
    repo.commit("new", {"new.py": f"B = '{new}'\n"})
    assert main(["scan", str(repo.path), "--range", f"{base}..HEAD", "--format", "json"]) == 1
    report = capsys.readouterr().out
    assert "new.py" in report and "old.py" not in report
    assert main(["scan", str(repo.path), "--since", "HEAD", "--format", "json"]) == 0
    capsys.readouterr()
    repo.write("staged.py", f"C = '{old}'\n")
    git(repo.path, "add", "staged.py")
    monkeypatch.chdir(repo.path)
    assert main(["scan", "--staged", "--format", "json"]) == 1
    assert "staged.py" in capsys.readouterr().out
    assert main(["scan", "--range", "a...b"]) == 2
    assert "two dots" in capsys.readouterr().err

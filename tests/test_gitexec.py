"""scaffold.gitexec: the one way scaffold runs git, and its policy under both profiles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from scaffold.errors import RepositoryError
from scaffold.gitexec import Git, Profile
from tests.gitrepo import GitRepo, git
from tests.scan.test_engine_safety import arm

PACKAGE = Path(__file__).resolve().parents[1] / "scaffold"
EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
# Modules that start programs other than git, and which ones.
OTHER_PROGRAMS = {
    "gitexec.py": "git itself",
    "new/postgen.py": "pre-commit install",
    "remedy/filterrepo.py": "git-filter-repo (purge's history rewrite)",
    "adopt/tools.py": "detect-secrets scan, pre-commit install",
}


_STARTERS = {"run", "Popen", "call", "check_call", "check_output", "getoutput"}


def _process_starting_modules() -> dict[str, ast.Module]:
    """Modules that call subprocess.run/Popen/... (importing it for its types is fine)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _STARTERS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in {"subprocess", "os"}
            ):
                found[path.relative_to(PACKAGE).as_posix()] = tree
    return found


def test_only_gitexec_starts_git() -> None:
    modules = _process_starting_modules()
    assert set(modules) <= set(OTHER_PROGRAMS), (
        "start processes through scaffold.gitexec, or list the module and its program here"
    )
    for name, tree in modules.items():
        if name == "gitexec.py":
            continue
        literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
        assert "git" not in literals, f"{name} runs git without scaffold.gitexec"


def test_stdin_is_empty_and_failures_are_one_line(repo: GitRepo) -> None:
    with Git(repo.path) as isolated:
        assert isolated.text("hash-object", "--stdin") == EMPTY_BLOB
        with pytest.raises(RepositoryError) as caught:
            isolated.run("rev-parse", "--verify", "no-such-ref")
    assert "\n" not in caught.value.message
    assert caught.value.message.startswith("git rev-parse failed in ")
    assert Git(repo.path, profile=Profile.USER).text("hash-object", "--stdin") == EMPTY_BLOB


def test_isolated_runs_nothing_a_repository_configures(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("one", {"a.txt": "a\n", ".gitattributes": "* filter=evil diff=evil\n"})
    repo.commit("two", {"a.txt": "b\n"})
    marker = tmp_path / "ran.txt"
    arm(repo, marker)
    with Git(repo.path) as isolated:
        isolated.run("status")
        isolated.run("log", "-p", "--all")
        isolated.run("diff", "HEAD~1", "HEAD")
        isolated.run("ls-remote", "ssh://example.invalid/repo.git", check=False)
    assert not marker.exists(), marker.read_text("utf-8")


def test_user_profile_runs_no_hook_pager_editor_or_fsmonitor(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("one", {"a.txt": "a\n"})
    marker = tmp_path / "ran.txt"
    arm(repo, marker)
    for key in ("filter.evil.clean", "filter.evil.smudge", "filter.evil.process"):
        git(repo.path, "config", "--unset", key)  # the user's own filters are meant to run
    (repo.path / "b.txt").write_text("b\n", "utf-8")
    user = Git(repo.path, profile=Profile.USER)
    user.run("add", "b.txt")
    user.run("commit", "-q", "-m", "two")
    user.run("log", "-1")
    user.run("status")
    assert not marker.exists(), marker.read_text("utf-8")
    # and the user's identity (from their global config) is the author
    assert user.text("log", "-1", "--encoding=UTF-8", "--format=%an") == "Test Author"


def test_callers_git_variables_are_dropped_unless_a_hook_needs_them(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("one", {"a.txt": "a\n"})
    other = tmp_path / "other.index"
    monkeypatch.setenv("GIT_INDEX_FILE", str(other))  # what git sets for a partial commit
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", "/bin/false")
    with Git(repo.path) as plain, Git(repo.path, hook_env=True) as hook:
        assert "GIT_INDEX_FILE" not in plain.env
        assert hook.env["GIT_INDEX_FILE"] == str(other)
        assert "GIT_EXTERNAL_DIFF" not in plain.env and "GIT_EXTERNAL_DIFF" not in hook.env
        # the hook sees the index git handed it: here, an empty one
        assert plain.text("ls-files") == "a.txt"
        assert hook.text("ls-files") == ""


def test_transports_are_forbidden_unless_named(tmp_path: Path) -> None:
    source = GitRepo.init(tmp_path / "source")
    source.commit("one", {"a.txt": "a\n"})
    url = f"file://{source.path}"
    with Git(tmp_path) as closed:
        refused = closed.run("ls-remote", url, check=False)
    assert refused.returncode != 0
    with Git(tmp_path, protocols=("file",)) as opened:
        assert opened.text("ls-remote", url).endswith("refs/heads/main")

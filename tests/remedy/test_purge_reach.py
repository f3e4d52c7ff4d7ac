"""`scaffold purge` rewrites only what the secret reaches: its commits, their descendants and the
refs leading to them. Signed commits and tags elsewhere keep their ids and signatures."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.errors import EXIT_OK, EXIT_REFUSED
from scaffold.scan.engine import scan_repository
from scaffold.scan.model import ScanOptions
from tests.gitrepo import GitRepo, git
from tests.remedy.signing import Signer, make_signer
from tests.tokens import github_pat, stripe_live_key


@pytest.fixture
def signer(tmp_path: Path) -> Signer:
    return make_signer(tmp_path / "signing")


def _refs(path: Path) -> dict[str, str]:
    out = git(path, "for-each-ref", "--format=%(refname) %(objectname)")
    return {name: oid for name, oid in (line.split(" ", 1) for line in out.splitlines())}


def _fingerprint(path: Path, secret: str) -> str:
    found = scan_repository(path, ScanOptions()).findings
    return next(f.fingerprint for f in found if f.match.secret == secret)


def _purge(repo: GitRepo, tmp_path: Path, *args: str) -> list[str]:
    return ["purge", str(repo.path), *args, "--backup", str(tmp_path / "b.bundle"),
            "--datastore", str(tmp_path / "s.db")]  # fmt: skip


def _pushed(out: str) -> list[str]:
    pushes = [line.split("#")[0] for line in out.splitlines() if "git push --force" in line]
    return [line.split()[-1] for line in pushes]


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {name for name in before if after.get(name) != before[name]}


def test_side_branch_secret_leaves_signed_main_and_tags_untouched(
    repo: GitRepo, signer: Signer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = github_pat(11)
    signer.commit(repo, "start", {"README.md": "hello\n"})
    repo.tag("v0.1")
    signer.commit(repo, "feature", {"app.py": "print('hi')\n"})
    signer.tag(repo, "v1.0")
    repo.branch("side")
    repo.commit("side config", {"deploy.sh": f"export GITHUB_TOKEN={token}\n"})
    signer.commit(repo, "side more", {"deploy.sh": "export GITHUB_TOKEN=$FROM_VAULT\n"})
    repo.checkout("main")
    signer.commit(repo, "main work", {"app.py": "print('hello')\n"})
    signer.tag(repo, "v1.1")
    before = _refs(repo.path)
    count = git(repo.path, "rev-list", "--all", "--count")
    fp = _fingerprint(repo.path, token)
    leaked = git(repo.path, "rev-parse", "side~1:deploy.sh").strip()

    assert main(_purge(repo, tmp_path, "--fingerprint", fp, "--dry-run")) == EXIT_OK
    plan = capsys.readouterr().out
    assert _refs(repo.path) == before
    assert "2 of 5 commit(s) will be rewritten" in plan
    assert f"  refs/heads/side: its history holds {fp[:12]} (added in commit " in plan
    assert "4 ref(s) stay as they are" in plan and "refs/heads/main" in plan
    assert "1 of the 2 commit(s) rewritten are signed" in plan

    assert main(_purge(repo, tmp_path, "--fingerprint", fp)) == EXIT_OK
    out = capsys.readouterr().out
    after = _refs(repo.path)
    assert _changed(before, after) == {"refs/heads/side"}
    assert _pushed(out) == ["refs/heads/side:refs/heads/side"]
    assert "signed tag(s) were re-created" not in out
    for kind, name in (("commit", "main"), ("commit", "main~1"), ("tag", "v1.0"), ("tag", "v1.1")):
        assert signer.verifies(repo, kind, name), f"{name} lost its signature"
    assert git(repo.path, "rev-list", "--all", "--count") == count
    assert token not in git(repo.path, "log", "--all", "-p")
    # nor in this clone's object store (reflogs emptied, unreachable objects pruned)
    assert git(repo.path, "cat-file", "-t", leaked, check=False) == ""
    assert "still in this clone's object store" not in out
    # the side branch still starts from main's signed commit, as it is
    assert git(repo.path, "rev-parse", "side~2") == git(repo.path, "rev-parse", "v1.0^{}")


def test_main_secret_rewrites_main_and_the_tags_after_it_only(
    repo: GitRepo, signer: Signer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = stripe_live_key(12)
    signer.commit(repo, "start", {"README.md": "hello\n"})
    signer.tag(repo, "v1.0")
    signer.commit(repo, "more", {"app.py": "print('hi')\n"})
    repo.branch("old")
    signer.commit(repo, "old work", {"old.py": "pass\n"})
    repo.checkout("main")
    introduced = signer.commit(repo, "billing", {"billing.py": f'KEY = "{token}"\n'})
    repo.tag("v2.0-rc")
    signer.commit(repo, "from the environment", {"billing.py": "KEY = env('KEY')\n"})
    signer.tag(repo, "v2.0")
    before = _refs(repo.path)
    fp = _fingerprint(repo.path, token)

    assert main(_purge(repo, tmp_path, "--fingerprint", fp)) == EXIT_OK
    out = capsys.readouterr().out
    after = _refs(repo.path)
    changed = {"refs/heads/main", "refs/tags/v2.0", "refs/tags/v2.0-rc"}
    assert _changed(before, after) == changed
    assert sorted(_pushed(out)) == sorted(f"{r}:{r}" for r in changed)
    assert (
        f"  refs/heads/main, refs/tags/v2.0, refs/tags/v2.0-rc: its history holds {fp[:12]} "
        f"(added in commit {introduced[:12]})"
    ) in out
    assert "1 signed tag(s) were re-created unsigned: refs/tags/v2.0" in out
    # the tag and the branch from before the secret keep their ids and signatures
    assert signer.verifies(repo, "tag", "v1.0") and signer.verifies(repo, "commit", "old")
    assert signer.verifies(repo, "commit", "main~2")
    assert git(repo.path, "rev-parse", "main~2") == git(repo.path, "rev-parse", "old~1")
    assert token not in git(repo.path, "log", "--all", "-p")


def test_a_tag_message_secret_re_creates_that_tag_only(
    repo: GitRepo, signer: Signer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = github_pat(13)
    signer.commit(repo, "start", {"README.md": "hello\n"})
    signer.tag(repo, "v1.0", message=f"release, deployed with {token}")
    signer.commit(repo, "more", {"app.py": "print('hi')\n"})
    before = _refs(repo.path)
    commit = git(repo.path, "rev-parse", "v1.0^{}")
    fp = _fingerprint(repo.path, token)

    assert main(_purge(repo, tmp_path, "--fingerprint", fp)) == EXIT_OK
    out = capsys.readouterr().out
    assert _changed(before, _refs(repo.path)) == {"refs/tags/v1.0"}
    assert git(repo.path, "rev-parse", "v1.0^{}") == commit  # the same commit, a new tag
    assert f"refs/tags/v1.0: its tag message holds {fp[:12]}" in out
    assert "0 of 2 commit(s) were rewritten" in out
    assert token not in git(repo.path, "cat-file", "tag", "v1.0")
    assert signer.verifies(repo, "commit", "main")


def test_a_remote_tracking_branch_is_pushed_to_its_remote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = github_pat(14)
    upstream = GitRepo.init(tmp_path / "upstream")
    upstream.commit("start", {"README.md": "hello\n"})
    upstream.branch("feature")
    upstream.commit("feature", {"deploy.sh": f"TOKEN={token}\n"})
    upstream.checkout("main")
    upstream.commit("main work", {"app.py": "pass\n"})
    server = tmp_path / "server.git"
    git(tmp_path, "clone", "-q", "--bare", str(upstream.path), str(server))
    clone = GitRepo(tmp_path / "clone")
    git(tmp_path, "clone", "-q", str(server), str(clone.path))
    main_before = git(server, "rev-parse", "main")
    fp = _fingerprint(clone.path, token)

    assert main(_purge(clone, tmp_path, "--fingerprint", fp)) == EXIT_OK
    out = capsys.readouterr().out
    assert _pushed(out) == ["refs/remotes/origin/feature:refs/heads/feature"]
    push = next(line for line in out.splitlines() if "git push --force" in line)
    git(clone.path, *push.split("#")[0].split()[1:])  # the command as printed, for real
    assert token not in git(server, "log", "--all", "-p")
    assert git(server, "rev-parse", "main") == main_before
    assert git(server, "rev-list", "--all", "--count") == git(upstream.path, "rev-list", "--all",
                                                              "--count")  # fmt: skip


def test_the_stash_is_kept_or_purge_refuses(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = github_pat(15)
    repo.commit("start", {"README.md": "hello\n"})
    for n in range(2):  # two stash entries that have nothing to do with the secret
        repo.write("README.md", f"draft {n}\n")
        git(repo.path, "stash", "-q")
    stashed = git(repo.path, "stash", "list", "--format=%H %gs")
    repo.branch("side")
    repo.commit("side", {"deploy.sh": f"TOKEN={token}\n"})
    repo.checkout("main")
    fp = _fingerprint(repo.path, token)
    assert main(_purge(repo, tmp_path, "--fingerprint", fp)) == EXIT_OK
    capsys.readouterr()
    assert git(repo.path, "stash", "list", "--format=%H %gs") == stashed

    secret = github_pat(16)
    repo.commit("main secret", {"ci.sh": f"TOKEN={secret}\n"})
    repo.write("README.md", "draft on top of the secret\n")
    git(repo.path, "stash", "-q")
    refs = _refs(repo.path)
    fp = _fingerprint(repo.path, secret)
    args = ["purge", str(repo.path), "--fingerprint", fp, "--backup", str(tmp_path / "c.bundle")]
    assert main([*args, "--datastore", str(tmp_path / "s.db")]) == EXIT_REFUSED
    assert "stash@{0} holds a purged secret" in capsys.readouterr().err
    assert _refs(repo.path) == refs and not (tmp_path / "c.bundle").exists()


def test_a_second_purge_in_the_same_clone(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = github_pat(17), stripe_live_key(18)
    repo.commit("start", {"README.md": "hello\n"})
    repo.commit("one", {"a.sh": f"TOKEN={first}\n"})
    repo.commit("two", {"b.py": f'KEY = "{second}"\n'})
    for n, token in enumerate((first, second)):
        fp = _fingerprint(repo.path, token)
        backup = tmp_path / f"{n}.bundle"
        args = ["purge", str(repo.path), "--fingerprint", fp, "--backup", str(backup),
                "--datastore", str(tmp_path / "s.db")]  # fmt: skip
        assert main(args) == EXIT_OK
    out = capsys.readouterr().out
    assert "An earlier git-filter-repo run's records were moved to " in out
    assert "1 of 3 commit(s) were rewritten" in out  # the second purge: only commit "two"
    log = git(repo.path, "log", "--all", "-p")
    assert first not in log and second not in log

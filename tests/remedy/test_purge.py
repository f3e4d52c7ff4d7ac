"""`scaffold purge` on real repositories built in tmp_path: every hiding place, every check."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.errors import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from scaffold.scan.engine import scan_repository
from scaffold.scan.model import ScanOptions
from tests.gitrepo import GitRepo, git
from tests.tokens import aws_key_pair, github_pat, slack_bot_token, stripe_live_key


def _build(repo: GitRepo) -> dict[str, str]:
    """main, a side branch, a tag-only commit, a merge's own change, a commit message."""
    side_token = github_pat(1)
    tag_token = stripe_live_key(2)
    merge_token = slack_bot_token(3)
    message_token = github_pat(4)
    key_id, aws_secret = aws_key_pair(5)
    repo.commit("start", {"README.md": "hello\n", "logo.bin": b"\x00\x01binary\x00"})
    repo.branch("side")
    repo.commit("side work", {"deploy.sh": f"export GITHUB_TOKEN={side_token}\n"})
    repo.checkout("main")
    repo.commit("main work", {"app.py": "print('hi')\n"})
    repo.branch("release")
    repo.commit("release config", {"billing.py": f'STRIPE_KEY = "{tag_token}"\n'})
    repo.tag("v1.0", annotated=True)
    repo.checkout("main")
    git(repo.path, "branch", "-D", "release")  # only the tag reaches that commit now
    repo.merge(
        "side",
        "merge side",
        {"notify.py": f'SLACK = "{merge_token}"\n',
         "aws.cfg": f"aws_access_key_id = {key_id}\naws_secret_access_key = {aws_secret}\n"},
    )  # fmt: skip
    repo.commit(f"rotate later, token was {message_token}", allow_empty=True)
    return {
        "side": side_token,
        "tag": tag_token,
        "merge": merge_token,
        "message": message_token,
        "aws": aws_secret,
    }


def _blobs(path: Path) -> dict[str, bytes]:
    listed = git(path, "rev-list", "--all", "--objects").split()
    out = {}
    for oid in listed:
        if len(oid) == 40 and git(path, "cat-file", "-t", oid).strip() == "blob":
            out[oid] = subprocess.run(
                ["git", "cat-file", "blob", oid],
                cwd=path,
                capture_output=True,
                input=b"",
                check=True,
            ).stdout
    return out


def _refs(path: Path) -> str:
    return git(path, "for-each-ref", "--format=%(refname) %(objectname)")


@pytest.fixture
def planted(repo: GitRepo) -> tuple[GitRepo, dict[str, str]]:
    return repo, _build(repo)


def test_purge_removes_every_secret_and_keeps_everything_else(
    planted: tuple[GitRepo, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, secrets = planted
    before_blobs = _blobs(repo.path)
    before_refs = _refs(repo.path)
    count = git(repo.path, "rev-list", "--all", "--count").strip()
    bundle = tmp_path / "backup.bundle"
    store = tmp_path / "store.db"
    code = main(["purge", str(repo.path), "--all-findings", "--backup", str(bundle),
                 "--datastore", str(store)])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    for secret in secrets.values():
        assert secret not in out + err
    # a rescan finds none of them
    left = scan_repository(repo.path, ScanOptions()).findings
    assert not [f for f in left if f.match.secret in secrets.values()]
    # every blob without a secret is byte-identical; the others differ only by the placeholder
    after_blobs = _blobs(repo.path)
    untouched = {
        oid
        for oid, data in before_blobs.items()
        if not any(s.encode() in data for s in secrets.values())
    }
    assert untouched <= set(after_blobs)
    assert b"\x00\x01binary\x00" in after_blobs.values()
    changed = set(after_blobs) - untouched
    assert changed and all(b"***REMOVED-" in after_blobs[oid] for oid in changed)
    assert git(repo.path, "rev-list", "--all", "--count").strip() == count
    # the commit message and the tag's commit were rewritten
    log = git(repo.path, "log", "--all", "--format=%B")
    assert secrets["message"] not in log and "***REMOVED-github-pat-classic-" in log
    assert "v1.0" in git(repo.path, "tag")
    # the bundle restores the original exactly
    restored = tmp_path / "restored"
    git(tmp_path, "init", "-q", "--bare", str(restored))
    git(restored, "fetch", "-q", str(bundle), "+refs/*:refs/*")
    assert _refs(restored) == before_refs
    # what a newcomer must do next is printed
    assert f"Backup of every ref: {bundle}" in out
    assert "git push --force" in out and "refs/tags/v1.0:refs/tags/v1.0" in out
    assert "refs/heads/side:refs/heads/side" in out
    assert "re-clone" in out and "First changed commits" in out


def test_dry_run_changes_nothing(
    planted: tuple[GitRepo, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, secrets = planted
    refs = _refs(repo.path)
    assert main(["purge", str(repo.path), "--all-findings", "--dry-run"]) == EXIT_OK
    out = capsys.readouterr().out
    assert _refs(repo.path) == refs
    assert "dry run" in out and "***REMOVED-" in out
    assert not any(secret in out for secret in secrets.values())


def test_refusals_change_nothing(
    planted: tuple[GitRepo, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = planted
    refs = _refs(repo.path)
    assert main(["purge", str(repo.path), "--fingerprint", "0123456789abcdef"]) == EXIT_USAGE
    assert "no finding with fingerprint" in capsys.readouterr().err
    repo.write("README.md", "edited\n")
    assert main(["purge", str(repo.path), "--all-findings"]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert "uncommitted change" in err and len(err.strip().splitlines()) == 1
    assert _refs(repo.path) == refs


def test_live_secret_is_refused_until_rotated(
    planted: tuple[GitRepo, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scaffold.remedy.records import Records
    from scaffold.scan.model import Liveness, Verification

    repo, _ = planted
    finding = scan_repository(repo.path, ScanOptions()).findings[0]
    store = tmp_path / "store.db"
    with Records(store) as records:
        answer = Verification(Liveness.LIVE, "HTTP 200", "2024-05-01T10:00:00Z")
        records.save_verifications({finding.fingerprint: (finding.rule.id, answer)})
    args = [
        "purge",
        str(repo.path),
        "--fingerprint",
        finding.fingerprint[:12],
        "--datastore",
        str(store),
    ]
    assert main(args) == EXIT_REFUSED
    assert "live when last checked" in capsys.readouterr().err
    assert main(["rotate", finding.fingerprint[:12], str(repo.path), "--datastore", str(store),
                 "--mark-rotated"]) == EXIT_OK  # fmt: skip
    assert main([*args, "--backup", str(tmp_path / "b.bundle")]) == EXIT_OK
    with Records(store) as records:
        assert [r.action for r in records.remedies(finding.fingerprint)] == ["rotated", "purged"]


def test_shallow_clone_is_refused(
    planted: tuple[GitRepo, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = planted
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo.path}", str(shallow))
    assert main(["purge", str(shallow), "--all-findings"]) == EXIT_REFUSED
    assert "shallow clone" in capsys.readouterr().err


def test_baseline_entries_of_purged_secrets_go(
    planted: tuple[GitRepo, dict[str, str]], tmp_path: Path
) -> None:
    from scaffold.scan.baseline import hash_secret

    repo, secrets = planted
    baseline = {
        "version": "1.5.0",
        "results": {
            "deploy.sh": [
                {
                    "type": "GitHub Token",
                    "hashed_secret": hash_secret(secrets["side"]),
                    "line_number": 1,
                }
            ]
        },
    }
    repo.commit("baseline", {".secrets.baseline": json.dumps(baseline, indent=2) + "\n"})
    fp = next(
        f.fingerprint
        for f in scan_repository(repo.path, ScanOptions()).findings
        if f.match.secret == secrets["side"]
    )
    backup, store = str(tmp_path / "b.bundle"), str(tmp_path / "s.db")
    args = ["purge", str(repo.path), "--fingerprint", fp, "--backup", backup, "--datastore", store]
    assert main(args) == EXIT_OK
    assert json.loads((repo.path / ".secrets.baseline").read_text())["results"] == {}

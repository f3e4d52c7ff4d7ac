"""The org command line end to end: API listing on loopback, mirrors, reports, exit codes, leaks."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.cli import scan as scan_cli
from scaffold.cli.org import run_org, wants_org
from scaffold.cli.report import add_arguments as add_report_arguments
from scaffold.cli.report import run as run_report
from scaffold.errors import EXIT_INCOMPLETE as EXIT_PARTIAL
from scaffold.errors import guarded
from tests.gitrepo import GitRepo
from tests.org.fakehost import FakeHost, github_repo, serve
from tests.org.repos import Org, build_org


def _scan(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    scan_cli.add_arguments(parser)  # includes the org flags (add_org_arguments)
    args = parser.parse_args(argv)
    assert wants_org(args)
    return guarded(lambda: run_org(args))


def _merge(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    add_report_arguments(parser)
    args = parser.parse_args(argv)
    return guarded(lambda: run_report(args))


@pytest.fixture
def org(tmp_path: Path) -> Org:
    return build_org(tmp_path / "org", count=3, with_fork=False)


def test_github_org_scan_never_leaks_the_token(
    org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    token = "ghp_" + "leak" * 9  # shaped like a token so any copy of it would stand out
    monkeypatch.setenv("GITHUB_TOKEN", token)
    repos = [github_repo(f"acme/{n}", org.url(n)) for n in org.names]
    # an https clone URL with nothing behind it: the token goes to git as a header, and fails
    repos.append(github_repo("acme/private", "https://127.0.0.1:9/acme/private.git"))
    out = tmp_path / "report.json"
    with serve(FakeHost({"/orgs/acme/repos": repos}, token=token)) as host:
        code = _scan([
            "--github-org", "acme", "--github-api-url", host.base,
            "--datastore", str(tmp_path / "org.db"), "--cache-dir", str(tmp_path / "cache"),
            "--format", "json", "--output", str(out), "--jobs", "2",
        ])  # fmt: skip
    captured = capfd.readouterr()
    assert code == EXIT_PARTIAL
    assert "error: 127.0.0.1:9/acme/private: git clone failed" in captured.err
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["summary"]["repositories"] == 4
    assert document["summary"]["secrets"] == 2
    everything = captured.out + captured.err
    assert token not in everything
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert token.encode() not in data, path
            for secret in org.secrets:
                if path.suffix in (".db", ".json", ".db-wal"):
                    assert secret.encode() not in data, path


def test_directory_of_repositories_terminal_summary_and_html(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "org.db")
    assert _scan([str(org.root), "--datastore", store, "--jobs", "1"]) == 1
    text = capsys.readouterr().out
    assert "Organisation scan" in text and "svc0.git" in text
    assert "3 repositories: 3 scanned, 0 unchanged, 0 failed · 2 secrets" in text
    for secret in org.secrets:
        assert secret not in text

    page = tmp_path / "report.html"
    assert _scan([str(org.root), "--datastore", store, "--format", "json"]) == 1
    assert "3 repositories: 0 scanned, 3 unchanged" in capsys.readouterr().err
    assert _merge(["merge", store, "--format", "html", "--output", str(page)]) == 1
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script>" in html
    assert "src=" not in html and "<link" not in html  # self-contained: nothing to fetch
    assert html.count('<tbody class="secret"') == 2  # one row per secret, both shown
    for secret in org.secrets:
        assert secret not in html

    # --since-last-run: nothing new since the run above
    assert _scan([str(org.root), "--datastore", store, "--since-last-run"]) == 0
    assert _scan([str(org.root), "--datastore", store, "--new-since", "2000-01-01"]) == 1
    assert _scan([str(org.root), "--datastore", store, "--new-since", "2999-01-01"]) == 0


def test_shards_then_report_merge(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dbs = []
    for k in (1, 2):
        db = tmp_path / f"part{k}.db"
        _scan([str(org.root), "--datastore", str(db), "--shard", f"{k}/2", "--format", "json"])
        dbs.append(str(db))
    capsys.readouterr()
    merged = tmp_path / "merged.sarif"
    assert _merge(["merge", *dbs, "--format", "sarif", "--output", str(merged)]) == 1
    sarif = json.loads(merged.read_text(encoding="utf-8"))
    assert len(sarif["runs"]) == 3
    assert sum(len(run["results"]) for run in sarif["runs"]) == 2
    assert _merge(["merge", *dbs, "--format", "sarif", "--output", str(merged)]) == 2  # no --force
    assert "already exists" in capsys.readouterr().err


def test_bad_input_is_one_line(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _scan([str(org.root), "--shard", "3/2"]) == 2
    assert _scan([str(org.root), "--show-secrets", "--datastore", str(tmp_path / "x.db")]) == 2
    assert _scan([str(org.root), "--since-last-run"]) == 2
    junk = tmp_path / "junk.db"
    junk.write_text("not a database " * 200, encoding="utf-8")
    assert _scan([str(org.root), "--datastore", str(junk)]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(lines) == 4 and all(line.startswith("error: ") for line in lines)
    assert _merge(["merge", str(junk)]) == 2


def test_gitlab_group_and_an_empty_github_org(
    org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.org.fakehost import gitlab_project

    monkeypatch.setenv("GITLAB_TOKEN", "glpat-" + "k" * 20)
    projects = [gitlab_project(f"grp/sub/{n}", org.url(n)) for n in org.names]
    fork = (tmp_path / "fork.git").as_uri()  # never cloned: forks are left out
    projects.append(gitlab_project("grp/sub/fork", fork, fork=True))
    listings = {"/groups/grp/projects": projects, "/orgs/empty/repos": []}
    with serve(FakeHost(listings)) as host:
        code = _scan([
            "--gitlab-group", "grp", "--gitlab-api-url", host.base,
            "--github-org", "empty", "--github-api-url", host.base,
            "--cache-dir", str(tmp_path / "cache"), "--format", "json",
        ])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert "warning: GitHub organisation empty has no repositories to scan" in captured.err
    document = json.loads(captured.out)
    assert document["summary"]["repositories"] == 3  # the fork is left out


def test_an_incomplete_repository_stays_incomplete_when_found_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repos"
    broken = GitRepo.init(root / "broken")
    broken.commit("one", {"a.txt": "a\n"})
    (broken.path / ".git" / "refs" / "heads" / "gone").write_text("1" * 40 + "\n")
    fine = GitRepo.init(root / "fine")
    fine.commit("one", {"b.txt": "b\n"})
    store = tmp_path / "scan.db"
    args = ["scan", str(root), "--repositories", "--datastore", str(store), "--no-progress"]
    assert main(args) == EXIT_PARTIAL
    capsys.readouterr()
    assert main([*args, "--format", "json"]) == EXIT_PARTIAL  # from the datastore this time
    document = json.loads(capsys.readouterr().out)
    by_name = {Path(r["repository"]).name: r for r in document["repositories"]}
    assert by_name["broken"]["complete"] is False and by_name["fine"]["complete"] is True
    assert "refs/heads/gone points to" in by_name["broken"]["incomplete"][0]

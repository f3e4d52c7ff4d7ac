"""`scan --verify` over several repositories: answers stored, live repositories first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.cli import main
from tests.gitrepo import GitRepo
from tests.tokens import github_pat
from tests.verify.fakeproviders import FakeProviders, serve


def test_org_scan_verifies_once_and_lists_live_repositories_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dead, live = github_pat(70), github_pat(71)
    quiet = GitRepo.init(tmp_path / "a-quiet")
    quiet.commit("c", {"ci.env": f"TOKEN={dead}\nAGAIN={dead}\n"})
    hot = GitRepo.init(tmp_path / "z-hot")
    hot.commit("c", {"ci.env": f"TOKEN={live}\nOLD={dead}\n"})
    store = tmp_path / "org.db"
    fake = FakeProviders(live={live})
    with serve(fake):
        for key, value in fake.environ().items():
            monkeypatch.setenv(key, value)
        main(["scan", str(quiet.path), str(hot.path), "--datastore", str(store), "--verify"])
        out = capsys.readouterr().out
        main(
            ["scan", str(quiet.path), str(hot.path), "--datastore", str(store), "--format", "json"]
        )
    assert fake.count("github") == 2  # two secrets, each asked about once across both repositories
    rows = [line for line in out.splitlines() if "a-quiet" in line or "z-hot" in line]
    assert "z-hot" in rows[0] and "Live" in out
    document = json.loads(capsys.readouterr().out)
    hot_findings = next(r for r in document["repositories"] if r["repository"].endswith("z-hot"))
    assert [f["verification"]["status"] for f in hot_findings["secrets"]] == [
        "live",
        "revoked/invalid",
    ]
    assert live.encode() not in store.read_bytes() and dead.encode() not in store.read_bytes()

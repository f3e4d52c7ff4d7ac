"""The datastore: versions, refusals, content states, findings without secrets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scaffold.org.schema import SCHEMA_VERSION, StoreError
from scaffold.org.store import Store
from scaffold.org.stored import StoredMatch
from scaffold.scan.model import (
    Finding,
    Match,
    Provenance,
    RuleInfo,
    ScanResult,
    Severity,
    SourceKind,
    redact,
)
from tests.tokens import github_pat

RULE = RuleInfo("github-pat", "GitHub token", "github", Severity.CRITICAL, "revoke it")


def _result(secret: str) -> ScanResult:
    match = Match("github-pat", secret, 10, 10 + len(secret), 2, 5)
    prov = Provenance(
        "c" * 40,
        f"conf/{secret}.txt",
        "A",
        "a@example.com",
        "2024-01-02T03:04:05+00:00",
        f"add {secret}",
    )
    finding = Finding(
        match, RULE, SourceKind.BLOB, "b" * 40, "repo", (prov,), ("refs/heads/main",), True
    )
    return ScanResult("repo", (finding,), (RULE,))


def test_findings_round_trip_without_the_secret(tmp_path: Path) -> None:
    secret = github_pat(3)
    path = tmp_path / "s.db"
    with Store(path) as store:
        run = store.begin_run("v1", [RULE])
        store.save_scan(
            "id:repo",
            "/x",
            _result(secret),
            scan_key="k",
            refs_digest="r",
            rules_version="v1",
            run_id=run,
        )
        store.finish_run(run, "complete")
        (loaded,) = store.results()
    (finding,) = loaded.findings
    original = _result(secret).findings[0]
    assert isinstance(finding.match, StoredMatch)
    assert finding.fingerprint == original.fingerprint
    assert redact(finding.match.secret) == redact(secret)
    assert finding.match.secret != secret
    assert finding.first is not None and secret not in finding.first.path + finding.first.summary
    assert (finding.match.line, finding.match.column, finding.in_head) == (2, 5, True)
    assert loaded.rules == (RULE,)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret.encode() not in raw


def test_first_seen_survives_a_rescan(tmp_path: Path) -> None:
    secret = github_pat(4)
    with Store(tmp_path / "s.db") as store:
        first = store.begin_run("v1", [RULE])
        store.save_scan(
            "id",
            "/x",
            _result(secret),
            scan_key="k",
            refs_digest="r",
            rules_version="v1",
            run_id=first,
        )
        before = store.first_seen()
        second = store.begin_run("v1", [RULE])
        store.save_scan(
            "id",
            "/x",
            _result(secret),
            scan_key="k",
            refs_digest="r2",
            rules_version="v1",
            run_id=second,
        )
        assert store.first_seen() == before
        state = store.repo_state("id")
    assert state is not None and state.refs_digest == "r2" and state.status == "ok"


def test_content_states_and_rules_change_forgets_them(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        run = store.begin_run("v1", [])
        store.record_contents([("a" * 40, False), ("b" * 40, True)], "v1", run)
        assert store.content_state("a" * 40, "v1") == 0
        assert store.content_state("b" * 40, "v1") == 1
        assert store.content_state("c" * 40, "v1") is None
        store.begin_run("v2", [])
        assert store.content_state("a" * 40, "v1") is None
        assert store.count_contents("v1") == 0


def test_failure_keeps_earlier_findings(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        run = store.begin_run("v1", [RULE])
        store.save_scan(
            "id",
            "/x",
            _result(github_pat(5)),
            scan_key="k",
            refs_digest="r",
            rules_version="v1",
            run_id=run,
        )
        store.save_failure("id", "repo", "/x", "git fetch failed: boom", run)
        (result,) = store.results()
        state = store.repo_state("id")
    assert len(result.findings) == 1
    assert result.extra["status"] == "failed"
    assert "not scanned: git fetch failed: boom" in result.warnings
    assert state is not None and state.refs_digest == ""  # forces a real scan next time


def test_newer_foreign_and_broken_files_are_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    Store(newer).close()
    with sqlite3.connect(newer) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this scaffold"):
        Store(newer)
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE t(x)")
    with pytest.raises(StoreError, match="not a scaffold datastore"):
        Store(foreign)
    junk = tmp_path / "junk.db"
    junk.write_text("this is not sqlite " * 100, encoding="utf-8")
    with pytest.raises(StoreError, match=r"junk\.db"):
        Store(junk)


def test_disk_full_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.db.execute("PRAGMA max_page_count = 20")  # what a full disk looks like to SQLite
        run = store.begin_run("v1", [])
        rows = [(f"{i:040x}", False) for i in range(5000)]
        with pytest.raises(StoreError, match="full"):
            store.record_contents(rows, "v1", run)
        assert store.count_contents("v1") == 0  # nothing half-written

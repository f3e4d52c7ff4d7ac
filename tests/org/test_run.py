"""Organisation runs on real repositories: incremental, resumable, shardable, mergeable."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from scaffold.org.merge import load_inputs
from scaffold.org.run import OrgOptions, OrgRun, scan_organisation
from scaffold.org.shard import parse_shard
from scaffold.org.targets import RepoTarget, resolve, url_target
from scaffold.org.worker import RepoOutcome
from scaffold.report.json import report as json_report
from scaffold.scan.model import ScanResult
from tests.org.repos import Org, build_org, push_commit


@pytest.fixture
def org(tmp_path: Path) -> Org:
    return build_org(tmp_path / "org", count=5)


def _targets(org: Org) -> list[RepoTarget]:
    return resolve([str(org.root)])


def _run(org: Org, store: Path, targets: list[RepoTarget] | None = None, **kwargs: Any) -> OrgRun:
    options = OrgOptions(datastore=store, cache_dir=store.parent / "cache", jobs=1, **kwargs)
    return scan_organisation(targets or _targets(org), options)


def _by_repo(run: OrgRun) -> dict[str, RepoOutcome]:
    return {Path(o.target.display).name: o for o in run.outcomes}


def _findings(results: tuple[ScanResult, ...] | list[ScanResult]) -> dict[str, set[str]]:
    return {Path(r.repository).name: {f.fingerprint for f in r.findings} for r in results}


def _json(results: tuple[ScanResult, ...] | list[ScanResult]) -> dict[str, Any]:
    """The JSON report without run-dependent numbers (time, how many blobs this run read)."""
    out = io.StringIO()
    json_report(results, out)
    document = json.loads(out.getvalue())
    for repo in document["repositories"]:
        repo.pop("stats")
    return dict(document)


def test_second_run_scans_nothing_and_a_new_commit_only_its_blobs(org: Org, tmp_path: Path) -> None:
    store = tmp_path / "org.db"
    first = _run(org, store)
    outcomes = _by_repo(first)
    assert {o.status for o in first.outcomes} == {"scanned"}
    found = _findings(first.results)
    assert [name for name, prints in sorted(found.items()) if prints] == [
        "svc0-fork.git", "svc0.git", "svc2.git", "svc4.git",
    ]  # fmt: skip
    assert found["svc0.git"] == found["svc0-fork.git"]
    # the fork came first (sorted by identity); its twin rescanned only the blob with a secret
    assert outcomes["svc0.git"].contents_scanned == 1
    assert outcomes["svc0-fork.git"].contents_scanned > 4

    second = _run(org, store)
    assert {o.status for o in second.outcomes} == {"unchanged"}
    assert second.contents_scanned == 0
    assert _json(second.results) == _json(first.results)

    push_commit(org, "svc1", {"new.txt": "brand new content\n"}, message="add new.txt")
    third = _by_repo(_run(org, store))
    assert third["svc1.git"].status == "scanned"
    assert third["svc1.git"].contents_scanned == 2  # the new blob and the new commit's message
    assert {o.status for name, o in third.items() if name != "svc1.git"} == {"unchanged"}


def test_changed_rules_rescan_everything(org: Org, tmp_path: Path) -> None:
    store = tmp_path / "org.db"
    _run(org, store)
    rules = tmp_path / "extra.toml"
    rules.write_text(
        'provider = "acme"\nseverity = "low"\nremediation = "rotate"\n\n[[rules]]\n'
        'id = "acme-internal-key"\ndescription = "Acme key"\npattern = "acme_[a-z]{20}"\n'
        'keywords = ["acme_"]\nexamples = ["acme_{{lower:20}}"]\n',
        encoding="utf-8",
    )
    again = _run(org, store, extra_rules=(rules,))
    assert {o.status for o in again.outcomes} == {"scanned"}
    assert again.contents_scanned > 10


def test_an_interrupted_run_resumes_and_loses_nothing(org: Org, tmp_path: Path) -> None:
    reference = _run(org, tmp_path / "reference.db")
    store = tmp_path / "org.db"
    done: list[str] = []

    def stop_after_two(outcome: RepoOutcome, finished: int, total: int) -> None:
        done.append(outcome.target.identity)
        if finished == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan_organisation(_targets(org), OrgOptions(datastore=store, jobs=1), stop_after_two)
    resumed = _run(org, store)
    statuses = {o.target.identity: o.status for o in resumed.outcomes}
    assert [statuses[i] for i in done] == ["unchanged", "unchanged"]
    assert sorted(set(statuses.values())) == ["scanned", "unchanged"]
    assert _json(resumed.results) == _json(reference.results)


def test_shards_merge_into_the_unsharded_report(org: Org, tmp_path: Path) -> None:
    targets = [url_target(org.url(name)) for name in org.names]  # remote: through the mirrors
    whole = _run(org, tmp_path / "whole.db", targets=targets)
    assert {o.mirror for o in whole.outcomes} == {"cloned"}
    parts = []
    for index in (1, 2, 3):
        shard = parse_shard(f"{index}/3")
        run = _run(org, tmp_path / f"shard{index}.db", targets=targets, shard=shard)
        parts.append(tmp_path / f"shard{index}.db")
        assert {o.mirror for o in run.outcomes} <= {"fetched"}  # the cache is shared
    merged = load_inputs(parts)
    assert [r.repository for r in merged] == sorted(r.repository for r in whole.results)
    assert _json(merged) == _json(whole.results)
    # JSON reports of the shards merge the same way
    reports = []
    for index, db in enumerate(parts, 1):
        out = tmp_path / f"shard{index}.json"
        out.write_text(_dump(load_inputs([db])), encoding="utf-8")
        reports.append(out)
    assert _json(load_inputs(reports)) == _json(whole.results)


def test_a_repository_that_fails_does_not_stop_the_rest(org: Org, tmp_path: Path) -> None:
    targets = [*_targets(org), url_target((tmp_path / "gone.git").as_uri())]
    run = _run(org, tmp_path / "org.db", targets=targets)
    (failed,) = run.failed
    assert "git clone failed" in failed.error
    assert len([o for o in run.outcomes if o.status == "scanned"]) == len(org.names)


def test_two_workers_give_the_same_findings(org: Org, tmp_path: Path) -> None:
    one = _run(org, tmp_path / "one.db")
    options = OrgOptions(datastore=tmp_path / "two.db", jobs=2)
    two = scan_organisation(_targets(org), options)
    assert _json(two.results) == _json(one.results)


def _dump(results: list[ScanResult]) -> str:
    out = io.StringIO()
    json_report(results, out)
    return out.getvalue()


def test_interrupted_inside_a_repository_keeps_its_finished_batches(
    org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffold.org.store import Store
    from scaffold.org.worker import JobSettings, RepoJob, run_job
    from scaffold.scan.rules import load_rules

    reference = _run(org, tmp_path / "reference.db")
    monkeypatch.setattr("scaffold.org.recorder.FLUSH_EVERY", 2)
    store, version = tmp_path / "org.db", load_rules().version
    with Store(store) as opened:
        run_id = opened.begin_run(version, [])
    settings = JobSettings(store, tmp_path / "cache", run_id, version, scan_key="k")
    (target,) = resolve([str(org.bare("svc1"))])

    def stop(recorded: int) -> None:
        raise KeyboardInterrupt  # as if Ctrl-C came right after the first batch was committed

    with pytest.raises(KeyboardInterrupt):
        run_job(RepoJob(target, settings, None), on_flush=stop)
    with Store(store) as opened:
        assert opened.count_contents(version) == 2
    monkeypatch.setattr("scaffold.org.recorder.FLUSH_EVERY", 500)
    resumed = _run(org, store)
    assert resumed.contents_scanned == reference.contents_scanned - 2
    assert _json(resumed.results) == _json(reference.results)

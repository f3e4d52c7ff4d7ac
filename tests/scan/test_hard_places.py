"""Secrets hidden where history scanners miss them; each must be found with the right provenance."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest

from scaffold.scan.engine import scan_repository
from scaffold.scan.examples import aws_documentation_keys, expand
from scaffold.scan.git import Git, open_repository
from scaffold.scan.model import Finding, ScanOptions, ScanResult, SourceKind
from tests.gitrepo import GitRepo, git


def github_pat(seed: int) -> str:
    """A classic GitHub token with a valid checksum, made at run time (never a literal)."""
    return expand("{{github:ghp}}", seed)


@dataclass
class Planted:
    repo: GitRepo
    tokens: dict[str, str]  # place -> secret
    commits: dict[str, str]  # place -> commit that introduced it


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    repo = GitRepo.init(tmp_path_factory.mktemp("hard") / "repo")
    tokens = {place: github_pat(seed) for seed, place in enumerate(PLACES, start=100)}
    commits: dict[str, str] = {}
    repo.commit("start", {"README.md": "# service\n"})

    commits["deleted"] = repo.commit("add config", {"old/config.env": f"T={tokens['deleted']}\n"})
    repo.remove("old/config.env")
    repo.commit("remove config")

    commits["renamed"] = repo.commit("settings", {"a.env": f"TOKEN={tokens['renamed']}\n"})
    git(repo.path, "mv", "a.env", "b.env")
    repo.commit("rename settings")

    line = "var a=1;" * 30_000 + f'var t="{tokens["minified"]}";' + "var b=2;" * 30_000
    commits["minified"] = repo.commit("bundle", {"static/app.min.js": line})

    filler = "".join(f"log line {i} nothing to see here\n" for i in range(150_000))
    commits["large"] = repo.commit("log", {"big.log": filler + f"token={tokens['large']}\n"})

    commits["message"] = repo.commit(f"deploy with token {tokens['message']}", allow_empty=True)

    encoded = base64.b64encode(tokens["kubernetes"].encode()).decode()
    manifest = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: gh\ntype: Opaque\n"
        f"data:\n  token: {encoded}\n"
    )
    commits["kubernetes"] = repo.commit("k8s secret", {"deploy/secret.yaml": manifest})

    repo.branch("feature")
    commits["side-branch"] = repo.commit("wip", {"wip.env": f"T={tokens['side-branch']}\n"})
    repo.checkout("main")

    repo.branch("release-tmp")
    commits["tag-only"] = repo.commit("release", {"rel.env": f"T={tokens['tag-only']}\n"})
    repo.tag("v-secret")
    repo.checkout("main")
    git(repo.path, "branch", "-D", "release-tmp")

    repo.branch("topic")
    repo.commit("topic work", {"topic.txt": "plain\n"})
    repo.checkout("main")
    repo.commit("main work", {"main.txt": "plain\n"})
    commits["merge"] = repo.merge("topic", "merge topic", {"merge.env": f"T={tokens['merge']}\n"})

    # hard negatives: a placeholder, a template variable, a token whose checksum is wrong,
    # the key pair AWS documentation uses in its examples
    doc_id, doc_secret = aws_documentation_keys()
    negatives = (
        "T=ghp_" + "x" * 36 + "\n",
        "T=${GITHUB_TOKEN}\n",
        "T=" + expand("{{github_bad:ghp}}", 7) + "\n",
        f"AWS_ACCESS_KEY_ID={doc_id}\nAWS_SECRET_ACCESS_KEY={doc_secret}\n",
    )
    repo.commit("examples", {"docs/example.env": "".join(negatives)})

    repo.write("README.md", f"# service\nT={tokens['stash']}\n")
    git(repo.path, "stash", "push", "-q", "-m", "wip")
    commits["stash"] = git(repo.path, "rev-parse", "refs/stash^2").strip()  # the index commit
    return Planted(repo, tokens, commits)


PLACES = (
    "deleted",
    "renamed",
    "minified",
    "large",
    "message",
    "kubernetes",
    "side-branch",
    "tag-only",
    "merge",
    "stash",
)


@pytest.fixture(scope="module")
def result(planted: Planted) -> ScanResult:
    return scan_repository(planted.repo.path, ScanOptions(jobs=1))


def by_place(planted: Planted, result: ScanResult) -> dict[str, list[Finding]]:
    owner = {secret: place for place, secret in planted.tokens.items()}
    # a Secret manifest's finding may name the base64 text as it is written in the file
    owner[base64.b64encode(planted.tokens["kubernetes"].encode()).decode()] = "kubernetes"
    found: dict[str, list[Finding]] = {}
    for finding in result.findings:
        found.setdefault(owner.get(finding.match.secret, "unexpected"), []).append(finding)
    return found


def test_every_hard_place_is_found_and_nothing_else(planted: Planted, result: ScanResult) -> None:
    found = by_place(planted, result)
    assert "unexpected" not in found, [f.match.secret[:6] for f in found["unexpected"]]
    assert sorted(found) == sorted(PLACES)


@pytest.mark.parametrize("place", [p for p in PLACES if p not in ("message", "stash")])
def test_provenance_names_the_introducing_commit(
    planted: Planted, result: ScanResult, place: str
) -> None:
    finding = by_place(planted, result)[place][0]
    assert finding.source is SourceKind.BLOB
    assert finding.first is not None
    assert finding.first.commit == planted.commits[place]
    assert finding.first.author_email == "author@example.com"
    assert finding.first.date.startswith("2023-11-1")


def test_paths_refs_and_head(planted: Planted, result: ScanResult) -> None:
    found = {place: items[0] for place, items in by_place(planted, result).items()}
    paths = {place: f.first.path for place, f in found.items() if f.first}
    assert paths["deleted"] == "old/config.env"
    assert paths["renamed"] == "a.env"  # where it was introduced, not where it lives now
    assert paths["merge"] == "merge.env"
    assert paths["kubernetes"] == "deploy/secret.yaml"
    assert found["side-branch"].refs == ("refs/heads/feature",)
    assert found["tag-only"].refs == ("refs/tags/v-secret",)
    assert "refs/stash" in found["stash"].refs
    assert "refs/heads/main" in found["deleted"].refs
    assert {p for p, f in found.items() if f.in_head} == {
        "renamed",
        "minified",
        "large",
        "merge",
        "kubernetes",
        "message",
    }


def test_commit_message_finding(planted: Planted, result: ScanResult) -> None:
    finding = by_place(planted, result)["message"][0]
    assert finding.source is SourceKind.COMMIT_MESSAGE
    assert finding.object_id == planted.commits["message"]
    assert finding.first is not None and finding.first.path == ""
    assert finding.match.line == 1


def test_positions_in_minified_and_large_files(planted: Planted, result: ScanResult) -> None:
    found = by_place(planted, result)
    minified = found["minified"][0].match
    assert (minified.line, minified.column) == (1, 8 * 30_000 + len('var t="') + 1)
    assert found["large"][0].match.line == 150_001


def test_stats_and_rules(result: ScanResult, planted: Planted) -> None:
    assert result.stats.commits_seen == len(planted.repo.commits) + 2  # + stash and its index
    assert result.stats.blobs_scanned > 10
    assert result.stats.bytes_scanned > 5_000_000
    assert any(rule.id == "github-pat-classic" for rule in result.rules)
    assert result.repository == str(planted.repo.path)
    assert result.warnings == ()


def test_parallel_pool_finds_the_same(
    planted: Planted, result: ScanResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scaffold.scan.pool.INLINE_BYTES", 0)
    pooled = scan_repository(planted.repo.path, ScanOptions(jobs=2))
    assert pooled.extra["pool"] == "yes"
    assert sorted(pooled.findings, key=_key) == sorted(result.findings, key=_key)


def _key(finding: Finding) -> tuple[str, int, str]:
    return (finding.object_id, finding.match.start, finding.match.rule_id)


def test_python_engine_finds_the_same(planted: Planted, result: ScanResult) -> None:
    slow = scan_repository(planted.repo.path, ScanOptions(jobs=1, engine="python"))
    assert slow.extra["engine"] == "python"
    assert sorted(slow.findings, key=_key) == sorted(result.findings, key=_key)


def test_the_rev_list_listing_and_walk_give_the_same_findings(
    planted: Planted, result: ScanResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The history walk that lists blobs with their origins (the default) and the rev-list
    listing with a later provenance walk (older git, refs naming trees or blobs) agree on every
    finding: introducing commit, paths, author, date, summary, refs and HEAD."""
    from scaffold.scan.origins import list_with_origins

    with _locked(planted) as locked:
        assert list_with_origins(locked, 1 << 20) is not None, "the default path"
    monkeypatch.setattr("scaffold.scan.origins.HistoryLister.usable", lambda _self: False)
    walked = scan_repository(planted.repo.path, ScanOptions(jobs=1))
    assert sorted(walked.findings, key=_key) == sorted(result.findings, key=_key)
    assert walked.skipped == result.skipped
    assert walked.stats.blobs_scanned == result.stats.blobs_scanned


def _locked(planted: Planted) -> Git:
    git_, _info = open_repository(planted.repo.path)
    return git_

"""Awkward repositories: each is scanned as far as possible and explained in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from scaffold.errors import RepositoryError
from scaffold.scan.engine import ScanProgress, scan_repository
from scaffold.scan.engine import scan as scan_source
from scaffold.scan.examples import expand
from scaffold.scan.matching import Matcher
from scaffold.scan.model import Match, ScanOptions, ScanResult
from scaffold.scan.rules import RuleError
from scaffold.scan.sources.history import HistorySource
from tests.gitrepo import GitRepo, git, git_env


def token(seed: int) -> str:
    return expand("{{github:ghp}}", seed)


def scan(path: Path, **options: object) -> ScanResult:
    return scan_repository(path, ScanOptions(jobs=1, **options))  # type: ignore[arg-type]


def secrets(result: ScanResult) -> set[str]:
    return {f.match.secret for f in result.findings}


def loose_object(repo: GitRepo, oid: str) -> Path:
    return repo.path / ".git" / "objects" / oid[:2] / oid[2:]


def blob_id(repo: GitRepo, spec: str) -> str:
    return git(repo.path, "rev-parse", spec).strip()


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="not a git repository"):
        scan(tmp_path)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="no such file or directory"):
        scan(tmp_path / "nowhere")


def test_empty_repository(repo: GitRepo) -> None:
    result = scan(repo.path)
    assert result.findings == ()
    assert result.warnings == ("empty repository: no commits to scan",)


def test_bare_repository(repo: GitRepo, tmp_path: Path) -> None:
    secret = token(1)
    repo.commit("add", {"app.env": f"T={secret}\n"})
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo.path), str(bare))
    result = scan(bare)
    assert secrets(result) == {secret}
    finding = result.findings[0]
    assert finding.in_head and finding.first is not None and finding.first.path == "app.env"
    assert result.repository == str(bare)


def test_shallow_clone_scans_what_exists(repo: GitRepo, tmp_path: Path) -> None:
    old, new = token(2), token(3)
    repo.commit("old", {"old.env": f"T={old}\n"})
    repo.remove("old.env")
    repo.commit("drop")
    repo.commit("new", {"new.env": f"T={new}\n"})
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone))
    result = scan(clone)
    assert secrets(result) == {new}
    assert not result.complete and not result.warnings  # what is not in the clone is a gap
    assert len(result.gaps) == 1
    assert result.gaps[0].startswith(f"shallow clone: history before {repo.head()[:12]}")


def test_missing_object_is_skipped_and_the_rest_scanned(repo: GitRepo) -> None:
    kept, lost = token(4), token(5)
    repo.commit("a", {"kept.env": f"T={kept}\n", "lost.env": f"T={lost}\n"})
    lost_blob = blob_id(repo, "HEAD:lost.env")
    loose_object(repo, lost_blob).unlink()
    result = scan(repo.path)
    assert secrets(result) == {kept}
    assert [(s.object_id, s.reason) for s in result.skipped] == [(lost_blob, "missing object")]


def test_corrupt_object_is_skipped_and_the_rest_scanned(repo: GitRepo) -> None:
    kept, bad = token(6), token(7)
    repo.commit("a", {"kept.env": f"T={kept}\n", "bad.env": f"T={bad}\n"})
    bad_blob = blob_id(repo, "HEAD:bad.env")
    target = loose_object(repo, bad_blob)
    target.chmod(0o644)
    # a valid zlib stream with the right header but a body that does not hash to the id
    body = b"T=" + b"0" * 40 + b"\n"
    target.write_bytes(zlib.compress(b"blob %d\x00" % len(body) + body)[:-6] + b"\x00" * 6)
    result = scan(repo.path)
    assert kept in secrets(result)
    assert bad not in secrets(result)
    assert [s.object_id for s in result.skipped] == [bad_blob]
    assert result.skipped[0].reason.startswith("unreadable object: ")


def test_huge_blob_is_skipped_and_listed(repo: GitRepo) -> None:
    small, big = token(8), token(9)
    repo.commit("a", {"small.env": f"T={small}\n", "dump.sql": f"T={big}\n" + "x" * 5000})
    result = scan(repo.path, max_blob_size=1024)
    assert secrets(result) == {small}
    assert [(s.path, s.reason, s.size) for s in result.skipped] == [
        ("dump.sql", "larger than 1024 bytes", 5000 + len(f"T={big}\n"))
    ]


def test_binary_non_utf8_content_and_path(repo: GitRepo) -> None:
    in_binary, in_latin1 = token(10), token(11)
    binary = bytes(range(256)) * 4 + in_binary.encode() + b"\x00\xff" * 100
    latin1 = "café = ".encode("latin-1") + in_latin1.encode() + b"\n"
    odd_name = os.fsdecode(b"caf\xe9.env")
    repo.commit("a", {"blob.bin": binary, odd_name: latin1})
    result = scan(repo.path)
    assert secrets(result) == {in_binary, in_latin1}
    paths = {f.match.secret: f.first.path for f in result.findings if f.first}
    assert paths[in_latin1] == "caf\\xe9.env"


def test_lfs_pointer_scanned_as_text_and_noted(repo: GitRepo) -> None:
    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{'ab' * 32}\nsize 123456\n"
    repo.commit("lfs", {"model.bin": pointer})
    result = scan(repo.path)
    assert result.findings == ()
    assert any("Git LFS pointer" in w for w in result.warnings)


def test_submodule_gitlink_not_followed_and_said(repo: GitRepo) -> None:
    inner = GitRepo.init(repo.path / "vendor" / "lib")
    inner_secret = token(14)
    inner.commit("inner", {"inner.env": f"T={inner_secret}\n"})
    repo.commit("add submodule", {"README": "x\n"})  # `add -A` records vendor/lib as a gitlink
    assert "160000 commit" in git(repo.path, "ls-tree", "-r", "HEAD")
    result = scan(repo.path)
    expected = f"submodule vendor/lib (commit {inner.head()[:12]}) not followed"
    assert any(w.startswith(expected) for w in result.warnings), result.warnings
    assert result.findings == ()  # the submodule's own history is not ours to read
    assert result.skipped == ()


def test_symlink_target_is_never_read(repo: GitRepo, tmp_path: Path) -> None:
    outside = tmp_path / "outside.env"
    outside.write_text(f"T={token(12)}\n", "utf-8")
    (repo.path / "link.env").symlink_to(outside)
    repo.commit("link")
    result = scan(repo.path)
    assert result.findings == ()
    assert result.stats.blobs_scanned == 1  # the link itself: a blob holding the target path


def test_unreachable_only_with_include_unreachable(repo: GitRepo) -> None:
    dropped = token(13)
    repo.commit("a", {"README": "x\n"})
    repo.write("README", f"T={dropped}\n")
    git(repo.path, "stash", "push", "-q")
    git(repo.path, "stash", "drop", "-q")
    assert secrets(scan(repo.path)) == set()
    found = scan(repo.path, include_unreachable=True)
    assert secrets(found) == {dropped}
    assert all(not f.refs for f in found.findings)


def test_progress_reports_every_object(repo: GitRepo) -> None:
    repo.commit("a", {"a.txt": "a\n", "b.txt": "b\n"})
    repo.commit("b", {"c.txt": "c\n"})
    seen: list[ScanProgress] = []
    scan_repository(repo.path, ScanOptions(jobs=1), seen.append)
    assert seen[-1].objects_done == seen[-1].objects_total == 5  # 3 blobs + 2 commits
    assert seen[-1].bytes_done > 0


def test_small_repository_is_scanned_without_a_pool(repo: GitRepo) -> None:
    repo.commit("a", {"a.env": f"T={token(15)}\n"})
    result = scan_repository(repo.path, ScanOptions(jobs=2))
    assert result.extra["pool"] == "no"
    assert secrets(result) == {token(15)}


def test_annotated_tag_message_is_scanned(repo: GitRepo) -> None:
    pasted = token(16)
    repo.commit("a", {"README": "x\n"})
    git(repo.path, "tag", "-a", "-m", f"release 1.0\n\ndeploy key {pasted}", "v1.0")
    result = scan(repo.path)
    assert secrets(result) == {pasted}
    finding = result.findings[0]
    assert finding.source.value == "commit-message"
    assert finding.object_id == blob_id(repo, "v1.0")  # the tag object itself
    assert finding.match.line == 3
    assert finding.first is not None and finding.first.summary == "release 1.0"
    assert finding.refs == ("refs/tags/v1.0",)


def test_one_blob_at_two_paths_is_scanned_once_with_both_paths(repo: GitRepo) -> None:
    same = f"T={token(17)}\n"
    first = repo.commit("copies", {"a/app.env": same, "b/app.env": same})
    repo.commit("third copy", {"c/app.env": same})
    result = scan(repo.path)
    assert len(result.findings) == 1  # one blob, one finding, however many places hold it
    places = {(p.commit, p.path) for p in result.findings[0].provenance}
    assert places == {(first, "a/app.env"), (first, "b/app.env")}


def test_sha256_repository(tmp_path: Path) -> None:
    path = tmp_path / "sha256"
    git(tmp_path, "init", "-q", "--object-format=sha256", str(path))
    repo = GitRepo(path)
    secret = token(18)
    added = repo.commit("add", {"a.env": f"T={secret}\n"})
    repo.remove("a.env")
    repo.commit("drop")
    result = scan(path)
    assert secrets(result) == {secret}
    first = result.findings[0].first
    assert len(added) == 64 and first is not None and first.commit == added
    assert len(result.findings[0].object_id) == 64


def test_corrupt_tree_stops_the_walk_and_the_rest_is_still_scanned(repo: GitRepo) -> None:
    early = token(19)
    repo.commit("one", {"a.env": f"T={early}\n"})
    repo.commit("two", {"d/b.txt": "b\n"})
    bad = blob_id(repo, "HEAD:d")
    tree = loose_object(repo, bad)
    tree.chmod(0o644)
    tree.write_bytes(b"garbage")
    result = scan(repo.path)
    assert secrets(result) == {early}, "what can be read is still scanned"
    assert not result.complete
    assert result.gaps[0].startswith("history walk stopped early (fatal: loose object")
    assert result.gaps[0].endswith("every other readable object in the store was scanned instead")
    assert [s.object_id for s in result.skipped] == [bad]


def test_wrap_matcher_sees_every_object_inline(repo: GitRepo) -> None:
    repo.commit("a", {"a.env": f"T={token(20)}\n", "b.txt": "b\n"})
    seen: list[int] = []

    class Counting:
        def __init__(self, inner: Matcher) -> None:
            self.inner = inner

        def scan(self, data: bytes, path: str | None = None) -> list[Match]:
            seen.append(len(data))
            return self.inner.scan(data, path)

    from scaffold.scan.engine import scan as scan_source
    from scaffold.scan.sources.history import HistorySource

    options = ScanOptions(jobs=2)
    result = scan_source(HistorySource(repo.path, options), options, wrap_matcher=Counting)
    assert len(seen) == 3  # two blobs and one commit message, each once
    assert result.extra["pool"] == "no"
    assert secrets(result) == {token(20)}


def test_stripes_are_consecutive_balanced_by_bytes_and_cover_everything() -> None:
    from array import array

    from scaffold.scan.listing import Listing, OidArray

    ids = OidArray()
    for i in range(10):
        ids.append(f"{i:040x}".encode())
    sizes = array("Q", [1_000_000] * 2 + [1_000] * 8)  # two big objects, then small ones
    stripes = Listing(ids, 10, 0, 0, (), (), sizes).stripes(2)
    listed = [s.hex(i) for s in stripes if isinstance(s, OidArray) for i in range(len(s))]
    assert listed == [ids.hex(i) for i in range(10)], "in listing order, each id once"
    assert [len(s) for s in stripes] == [1, 9], "cut by bytes, not by count"
    assert [len(s) for s in Listing(ids, 10, 0, 0, (), ()).stripes(3)] == [3, 4, 3]
    assert Listing(OidArray(), 0, 0, 0, (), ()).stripes(4) == []
    assert len(Listing(ids, 10, 0, 0, (), ()).stripes(50)) == 10
    weighted = Listing(ids, 10, 0, 0, (), ()).stripes([2, 1, 1])
    assert [len(s) for s in weighted] == [5, 2, 3], "cut in proportion to the weights"


def test_the_schedule_hands_out_long_stripes_first_then_short_ones() -> None:
    from scaffold.scan.pool import schedule

    weights = schedule(2)
    assert weights == sorted(weights, reverse=True)
    assert weights[0] == weights[1], "each worker starts on a long stripe of its own"
    assert sum(weights[2:]) / sum(weights) <= 0.25 and len(weights) > 4


def test_pooled_scan_reports_progress_and_finds_the_same(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(6):
        repo.commit(f"c{i}", {f"f{i}.env": f"T={token(30 + i)}\n", "big.txt": "x" * 5000 * i})
    monkeypatch.setattr("scaffold.scan.pool.INLINE_BYTES", 0)
    seen: list[ScanProgress] = []
    pooled = scan_repository(repo.path, ScanOptions(jobs=2), seen.append)
    assert pooled.extra["pool"] == "yes"
    assert secrets(pooled) == {token(30 + i) for i in range(6)} == secrets(scan(repo.path))
    assert seen[-1].objects_done == seen[-1].objects_total == 18  # 12 blobs + 6 commits


def _only_thread() -> None:
    """Wait for threads an earlier test left (a pool's manager ending) to finish."""
    import threading
    import time

    deadline = time.monotonic() + 10
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.05)


def counting_detector() -> Matcher:
    """The real detector, noting in $SCAFFOLD_TEST_BUILT which process built it."""
    from scaffold.scan.engine import build_detector

    with open(os.environ["SCAFFOLD_TEST_BUILT"], "a", encoding="ascii") as note:
        note.write(f"{os.getpid()}\n")
    return build_detector((), "auto")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
def test_a_small_store_forks_its_workers_with_the_detector_built_once(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import multiprocessing
    import time

    from scaffold.scan import pool
    from scaffold.scan.blobs import take_inventory
    from scaffold.scan.git import open_repository
    from scaffold.scan.sources.objects import ObjectReader

    for i in range(6):
        repo.commit(f"c{i}", {f"f{i}.env": f"T={token(40 + i)}\n", "big.txt": "y" * 4000 * i})
    monkeypatch.setattr(pool, "FORK_FROM", 0)  # this store is far below the real threshold
    monkeypatch.setattr(pool, "MIN_STREAM_STRIPE", 1)  # stripes while the listing streams in
    built = tmp_path / "built"
    monkeypatch.setenv("SCAFFOLD_TEST_BUILT", str(built))

    def found(jobs: int) -> set[tuple[str, str]]:
        _only_thread()
        git_, _info = open_repository(repo.path)
        with git_, pool.ChunkScanner(ObjectReader(git_), counting_detector, jobs) as scanner:
            scanner.start_early(1)
            listing = take_inventory(git_, include_unreachable=False, max_blob_size=1 << 20)
            batches = list(scanner.run_stream(iter([listing])))
        assert scanner.used_pool == (jobs == 2)
        return {(h.key, m.rule_id) for b in batches for h in b.hits for m in h.matches}

    inline = found(1)
    assert len(inline) == 6
    built.unlink()
    assert found(2) == inline
    assert built.read_text().split() == [str(os.getpid())], "built here, once, not per worker"
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not multiprocessing.active_children(), "no worker outlives the scan"
    # and the whole scan, as `scaffold scan` runs it: pooled, complete, the same secrets
    seen: list[ScanProgress] = []
    options = ScanOptions(jobs=2)
    pooled = scan_source(HistorySource(repo.path, options), options, progress=seen.append)
    assert pooled.extra["pool"] == "yes"
    assert secrets(pooled) == {token(40 + i) for i in range(6)} == secrets(scan(repo.path))
    assert seen[-1].objects_done == seen[-1].objects_total == 18  # 12 blobs + 6 commits


def test_workers_are_not_forked_beside_a_running_git_child_or_thread(repo: GitRepo) -> None:
    import threading

    from scaffold.scan.git import open_repository
    from scaffold.scan.pool import may_fork

    repo.commit("a", {"a.txt": "a\n"})
    _only_thread()
    git_, _info = open_repository(repo.path)
    with git_, open(os.devnull, "wb") as sink:
        cat = git_.popen("cat-file", "--batch", stdin=True, stderr=sink)
        assert not may_fork(), "a fork would hold this cat-file's stdin open"
        assert cat.stdin is not None and cat.stdout is not None
        cat.stdin.close()
        cat.stdout.read()
        cat.wait()
        cat.stdout.close()
        assert may_fork() == sys.platform.startswith("linux")
    other = threading.Event()
    thread = threading.Thread(target=other.wait)
    thread.start()
    try:
        assert not may_fork(), "another thread could hold a lock the copy waits on forever"
    finally:
        other.set()
        thread.join()


def broken_detector() -> Matcher:
    """A worker's detector that cannot be built (picklable: module level)."""
    raise RuleError("extra.toml: rule acme-key: cannot be compiled")


def test_a_detector_workers_cannot_build_is_reported_as_is(repo: GitRepo) -> None:
    from scaffold.scan.blobs import take_inventory
    from scaffold.scan.git import open_repository
    from scaffold.scan.pool import ChunkScanner
    from scaffold.scan.sources.objects import ObjectReader

    repo.commit("a", {"a.txt": "hello\n"})
    git, _info = open_repository(repo.path)
    reader = ObjectReader(git)
    with git, ChunkScanner(reader, broken_detector, 2, inline_bytes=0) as scanner:
        inventory = take_inventory(git, include_unreachable=False, max_blob_size=1 << 20)
        with pytest.raises(RuleError, match="rule acme-key: cannot be compiled"):
            list(scanner.run(inventory))


def test_a_stopped_worker_leaves_its_stripe_without_finishing_it(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import queue
    import threading

    from scaffold.scan import matching, pool
    from scaffold.scan.blobs import take_inventory
    from scaffold.scan.engine import build_detector
    from scaffold.scan.git import open_repository
    from scaffold.scan.sources.objects import ObjectReader

    for i in range(4):
        repo.commit(f"c{i}", {f"f{i}.txt": f"line {i}\n"})
    monkeypatch.setattr(matching, "PROGRESS_EVERY", 1)
    git, _info = open_repository(repo.path)
    with git:
        oids = take_inventory(git, include_unreachable=False, max_blob_size=1 << 20).to_read
        messages: queue.Queue[object] = queue.Queue()
        stop = threading.Event()
        monkeypatch.setattr(
            pool,
            "_worker",
            {
                "reader": ObjectReader(git),
                "matcher": build_detector((), "auto"),
                "messages": messages,
                "stop": stop,
            },
        )
        pool._scan_stripe_in_worker(0, oids)
        reports = [messages.get_nowait() for _ in range(messages.qsize())]
        # one report per object (PROGRESS_EVERY is 1 here), then the end of the stripe
        assert len(reports) == len(oids) + 1 and reports[-1][1] is True  # type: ignore[index]
        stop.set()  # what ChunkScanner.close does on Ctrl-C or an error
        pool._scan_stripe_in_worker(1, oids)
        assert messages.empty(), "a stopped stripe reports nothing more, not even its end"


def piped(repo: GitRepo, args: list[str], data: bytes) -> bytes:
    done = subprocess.run(
        ["git", *args], cwd=repo.path, input=data, capture_output=True, check=True, env=git_env()
    )
    return done.stdout


def stored(repo: GitRepo, content: bytes) -> str:
    return piped(repo, ["hash-object", "-w", "--stdin"], content).decode().strip()


def test_the_two_filtered_walks_list_what_one_full_walk_lists(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffold.scan import blobs
    from scaffold.scan.git import open_repository
    from scaffold.scan.listing import OidArray

    repo.commit("one", {"a.txt": "a\n", "d/b.txt": "b\n"})
    git(repo.path, "tag", "-a", "-m", "first", "v1")
    git(repo.path, "tag", "-a", "-m", "a tag of a tag", "v1-again", "v1")
    loose = stored(repo, b"only behind a tag\n")
    git(repo.path, "tag", "-a", "-m", "a tag of a blob", "blob-tag", loose)
    git(repo.path, "tag", "tree-tag", "HEAD^{tree}")  # a lightweight tag naming a tree
    raw = stored(repo, b"only behind a ref\n")
    git(repo.path, "update-ref", "refs/raw/blob", raw)
    repo.commit("two", {"a.txt": "a2\n"})
    listed = git(repo.path, "rev-list", "--objects", "--all", "--no-object-names")
    checked = piped(repo, ["cat-file", "--batch-check"], listed.encode()).decode()
    expected = {line.split()[0] for line in checked.splitlines() if line.split()[1] != "tree"}

    def inventory() -> tuple[set[str], int, int]:
        git_, _info = open_repository(repo.path)
        with git_:
            found = blobs.take_inventory(git_, include_unreachable=False, max_blob_size=1 << 20)
        ids = found.to_read
        assert isinstance(ids, OidArray)
        return {ids.hex(i).decode() for i in range(len(ids))}, found.blob_count, len(ids)

    filtered = inventory()
    from scaffold.scan.origins import list_with_origins

    with open_repository(repo.path)[0] as locked:  # refs naming a blob or a tree: walked too
        walked = list_with_origins(locked, 1 << 20)
    assert walked is not None
    by_history = walked[0].to_read
    assert isinstance(by_history, OidArray)
    assert {by_history.hex(i).decode() for i in range(len(by_history))} == expected
    monkeypatch.setattr(blobs, "git_version", lambda: (2, 31))  # before object:type filters
    assert filtered == inventory()
    assert filtered[0] == expected and filtered[2] == len(expected)  # each object once
    assert {loose, raw} <= filtered[0] and filtered[1] == 5


def test_secrets_behind_refs_to_blobs_and_trees_are_found_on_the_fast_path(
    repo: GitRepo,
) -> None:
    from scaffold.scan.sources.history import HistorySource

    in_blob, in_tree = token(41), token(42)
    repo.commit("one", {"a.txt": "a\n"})
    raw = stored(repo, f"T={in_blob}\n".encode())
    git(repo.path, "tag", "-a", "-m", "a key", "key-tag", raw)  # like git/git's junio-gpg-pub
    other = GitRepo.init(repo.path.parent / "other")
    other.commit("tree", {"conf/app.env": f"T={in_tree}\n"})
    git(repo.path, "fetch", "-q", str(other.path), "main:refs/heads/tmp")
    git(repo.path, "update-ref", "refs/trees/conf", "refs/heads/tmp^{tree}")
    git(repo.path, "update-ref", "-d", "refs/heads/tmp")
    source = HistorySource(repo.path, ScanOptions(jobs=1))
    result = scan_source(source, ScanOptions(jobs=1))
    assert source._origins is not None, "the history walk, not the rev-list fallback"
    found = {f.match.secret: (f.refs, [p.path for p in f.provenance]) for f in result.findings}
    assert found == {
        in_blob: (("refs/tags/key-tag",), [""]),
        in_tree: (("refs/trees/conf",), ["conf/app.env"]),
    }
    assert result.complete

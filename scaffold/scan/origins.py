"""Listing the blobs of a history by the commits that introduce them, as a stream of blocks.

`git log --date-order --raw -c` over every ref's commit (newest first) names every blob each
commit writes (for a merge, what it writes that no parent has), so it is a listing of every
blob reachable from a commit, and the last commit to name a blob is the first one in
`--reverse` order, the one that introduced it. Taking the listing this way instead of
`rev-list --objects` and running a provenance walk later reads every tree once instead of
twice, and the blobs come out in the order their versions were written, which `cat-file` reads
far faster than `rev-list`'s: on the 20,000-commit benchmark 3.2 s of CPU instead of 4.7 s.

The listing streams: every few thousand blobs, the ones `cat-file --batch-check` has sized
become a block the engine can hand to a worker at once, so the walk (which one core does) and
the reading overlap instead of following each other.

Only the introducing commit's position is kept per blob; the paths, author and date of the few
blobs that matched are looked up afterwards (`Origins.introductions`), with one `diff-tree`
over their introducing commits. Commits and annotated tags are listed by `rev-list` without
entering any tree. Refs naming a tree or a blob directly (not through a commit: git/git's
`junio-gpg-pub` tag) are walked after the history with `rev-list`, stopping at every commit
the history walk already covered; their blobs are placed at the ref.

A damaged repository costs only what is damaged: refs are read one by one (refs.py), and when
a walk stops early (a corrupt or missing tree or commit), every readable object in the store
that was not listed yet is listed instead, so what can be read is still scanned, and the scan
says it is incomplete.
"""

from __future__ import annotations

import contextlib
import fnmatch
import queue
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from scaffold.scan.blobs import (
    READ_KINDS,
    all_objects,
    check_entries,
    checked_blocks,
    joined,
    walk_and_check,
)
from scaffold.scan.git import Git, first_line, git_version
from scaffold.scan.listing import Listing, OidArray
from scaffold.scan.model import Provenance
from scaffold.scan.provenance import RAW_DIFF, nul_fields, with_details, written_blobs
from scaffold.scan.refs import Refs, read_refs

# The walk diffs trees, which are small and read once each: small pack windows and delta-base
# cache suit it, and keep it light while the workers' cat-files read beside it (on git/git
# 112 MB RSS and 8.5 s CPU, against 157 MB and 9.4 s with the readers' settings).
_WALK_MEMORY = (
    "-c", "core.packedGitLimit=16m",
    "-c", "core.packedGitWindowSize=4m",
    "-c", "core.deltaBaseCacheLimit=8m",
)  # fmt: skip
_WALK = (*_WALK_MEMORY, "log", "--stdin", "--date-order", "--no-mailmap", *RAW_DIFF)
_BATCH = 1024  # ids handed to cat-file per write
BLOCK = 4096  # sized blobs per block of the stream


class Origins:
    """For each listed blob, the commit that introduced it (an index into the walk's commits)."""

    def __init__(self) -> None:
        self.commits = OidArray()
        self.introduced_in: dict[bytes, int] = {}  # hex blob id -> index into `commits`
        # blobs no commit reaches, only a ref to a tree or a blob: hex id -> (ref, path)
        self.ref_only: dict[str, tuple[str, str]] = {}
        # blobs at a path some rule is for (a Rails master.key): hex id -> that path
        self.named: dict[bytes, str] = {}

    def introductions(self, git: Git, wanted: set[str]) -> dict[str, list[Provenance]]:
        """First commit showing each wanted blob, with every path it had in that commit (what
        `provenance.introductions` finds by walking the whole history)."""
        blobs_of: dict[str, set[str]] = {}
        found: dict[str, list[Provenance]] = {}
        for blob in wanted & set(self.ref_only):
            ref, where = self.ref_only[blob]
            found[blob] = [Provenance("", where, "", "", "", f"reachable only from {ref}")]
        for blob in wanted:
            index = self.introduced_in.get(blob.encode("ascii"))
            if index is not None:
                commit = self.commits.hex(index).decode("ascii")
                blobs_of.setdefault(commit, set()).add(blob)
        if not blobs_of:
            return found
        places: dict[str, list[tuple[str, bytes]]] = {}
        with tempfile.TemporaryFile() as listing, tempfile.TemporaryFile() as errors:
            listing.write(b"".join(c.encode("ascii") + b"\n" for c in sorted(blobs_of)))
            listing.seek(0)
            proc = git.popen("diff-tree", "--stdin", "-r", *RAW_DIFF, stderr=errors, source=listing)
            assert proc.stdout is not None
            for raw_commit, raw_blob, path in written_blobs(nul_fields(_blocks(proc.stdout))):
                sha, blob = raw_commit.decode("ascii"), raw_blob.decode("ascii")
                if blob in blobs_of.get(sha, ()) and (sha, path) not in places.get(blob, []):
                    places.setdefault(blob, []).append((sha, path))
            proc.wait()
        return {**with_details(git, places), **found}


def _blocks(stream: IO[bytes]) -> Iterator[bytes]:
    return iter(lambda: stream.read(1 << 16), b"")


def list_with_origins(git: Git, max_blob_size: int) -> tuple[Listing, Origins] | None:
    """The whole stream as one listing (None before git 2.32: the rev-list path then)."""
    lister = HistoryLister(git, max_blob_size)
    if not lister.usable():
        return None
    return joined(list(lister.blocks())), lister.origins


class HistoryLister:
    """Lists the history in blocks as the walks go (see the module doc)."""

    def __init__(
        self,
        git: Git,
        max_blob_size: int,
        *,
        damaged: bool = False,
        path_globs: tuple[str, ...] = (),
    ) -> None:
        """`damaged`: part of the git directory is known to be unreadable, so after the walks
        every other readable object in the store is listed too. `path_globs`: paths rules are
        for; blobs seen at such a path are remembered with it (Origins.named)."""
        self.git = git
        self.max_blob_size = max_blob_size
        self.damaged = damaged
        self.path_globs = path_globs
        self.origins = Origins()
        self.refs: Refs | None = None

    def usable(self) -> bool:
        return git_version() >= (2, 32)

    def blocks(self) -> Iterator[Listing]:
        refs = self.refs = read_refs(self.git)
        gaps = list(refs.gaps)
        # commits and tags listed (blobs are in origins), as the blocks hold them: a set of them
        # is only made when a rescue needs it (on git/git 9 MB while the workers read)
        listed: list[OidArray] = []
        if not refs.readable:
            yield from self._rescue(listed, gaps)
            return
        if not refs.refs:  # nothing to walk (and git would walk HEAD)
            if self.damaged:
                yield from self._rescue(listed, gaps)
            else:
                yield Listing(OidArray(), 0, 0, 0, (), (), gaps=tuple(gaps))
            return
        out: queue.Queue[Listing | _Done] = queue.Queue()
        threads = [
            threading.Thread(target=self._commits_and_tags, args=(refs, out), daemon=True),
            threading.Thread(target=self._blobs, args=(refs, out), daemon=True),
        ]
        for thread in threads:
            thread.start()
        failed: list[str] = []
        running = len(threads)
        while running:
            item = out.get()
            if isinstance(item, _Done):
                running -= 1
                if item.failure:
                    failed.append(item.failure)
                continue
            if item.commit_count or not item.blob_count:
                to_read = item.to_read
                assert isinstance(to_read, OidArray)
                listed.append(to_read)
            yield item
        for thread in threads:
            thread.join()
        if failed:
            gaps.append(
                f"history walk stopped early ({failed[0]}); every other readable object in the "
                "store was scanned instead"
            )
            yield from self._rescue(listed, gaps)
        elif self.damaged:
            yield from self._rescue(listed, gaps)
        elif gaps:
            yield Listing(OidArray(), 0, 0, 0, (), (), gaps=tuple(gaps))

    def _commits_and_tags(self, refs: Refs, out: queue.Queue[Listing | _Done]) -> None:
        """Annotated tags from `rev-list --objects --no-walk` over the refs (the tags and what
        they name, no history), commits from a plain `rev-list` over the commit tips: on git/git
        1.1 s of CPU and 48 MB, where one `rev-list --objects --filter=tree:0` over everything
        takes 2 s and 103 MB (it tracks every commit's tree), while the history walk runs."""
        walks = [
            walk_and_check(
                self.git, ("--no-walk", "--filter=tree:0"), (b"tag",), self.max_blob_size,
                refs.objects,
            ),
            walk_and_check(
                self.git, (), (b"commit",), self.max_blob_size, refs.commit_tips, objects=False
            )
            if refs.commit_tips
            else Listing(OidArray(), 0, 0, 0, (), ()),
        ]  # fmt: skip
        for found in walks:
            if found is None or found.warnings:
                why = found.warnings[0] if found is not None else "an object could not be read"
                out.put(_Done(why))
                return
        out.put(joined([found for found in walks if found is not None]))
        out.put(_Done())

    def _blobs(self, refs: Refs, out: queue.Queue[Listing | _Done]) -> None:
        """The walk, each blob new to it handed to `cat-file --batch-check` as it is seen (a
        reader thread takes the sizes and makes the blocks), so the two git processes and this
        one work side by side."""
        git, origins = self.git, self.origins
        failure = ""
        with (
            tempfile.TemporaryFile() as walk_errors,
            tempfile.TemporaryFile() as check_errors,
            tempfile.TemporaryFile() as tips,
        ):
            tips.write("".join(f"{tip}\n" for tip in refs.commit_tips).encode())
            tips.seek(0)
            walk = git.popen(*_WALK, stderr=walk_errors, source=tips)
            check = git.popen(
                "cat-file", "--batch-check", "--buffer", stdin=True, stderr=check_errors
            )
            assert walk.stdout is not None and check.stdin is not None
            assert check.stdout is not None
            sizes = check.stdout
            max_blob_size = self.max_blob_size

            def read_sizes() -> None:
                for block in checked_blocks(check_entries(sizes), max_blob_size, (b"blob",), BLOCK):
                    out.put(block)

            reader = threading.Thread(target=read_sizes, daemon=True)
            reader.start()
            finished = False
            try:
                _walk(walk.stdout, origins, check.stdin, _glob_regex(self.path_globs))
                finished = _walk_other_roots(git, refs, origins, check.stdin)
            except OSError:
                pass  # cat-file died: its exit status says so below
            finally:
                walk.stdout.close()
                if not finished:
                    walk.kill()
                walked = walk.wait() == 0 and finished
                with contextlib.suppress(OSError):
                    check.stdin.close()
                reader.join()
                check.stdout.close()
                checked_ok = check.wait() == 0
            if not walked:
                walk_errors.seek(0)
                failure = first_line(walk_errors.read()) if refs.commit_tips else ""
                failure = failure or "a walk of objects behind a ref failed"
            elif not checked_ok:
                check_errors.seek(0)
                failure = first_line(check_errors.read())
        out.put(_Done(failure))

    def _rescue(self, blocks: list[OidArray], gaps: list[str]) -> Iterator[Listing]:
        """Every readable object of the store not listed yet (a walk could not reach them)."""
        known = self.origins.introduced_in
        listed = {ids.hex(i) for ids in blocks for i in range(len(ids))}
        entries, warnings = all_objects(self.git)
        fresh = (e for e in entries if e.oid not in known and e.oid not in listed)
        yield from checked_blocks(fresh, self.max_blob_size, READ_KINDS, BLOCK)
        gaps += [f"{w}; scanned what was listed" for w in warnings]
        yield Listing(OidArray(), 0, 0, 0, (), (), gaps=tuple(gaps))


@dataclass(frozen=True)
class _Done:
    failure: str = ""  # why a producer stopped early; "" when it finished


def _walk_other_roots(git: Git, refs: Refs, origins: Origins, check: IO[bytes]) -> bool:
    """Blobs reachable from refs to trees and blobs but from no commit the history walk saw,
    one `rev-list` per such ref (they are few); False if a walk failed."""
    for ref in refs.others:
        request = [ref.oid, *(f"^{tip}" for tip in refs.commit_tips)]
        proc = git.run(
            "rev-list", "--objects", "--stdin", "--filter=object:type=blob",
            "--filter-provided-objects", "--missing=print",
            input="".join(f"{line}\n" for line in request).encode(), check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            return False
        pending: list[bytes] = []
        for raw in proc.stdout.splitlines():
            oid, _, path = raw.lstrip(b"?").partition(b" ")  # ?: missing; cat-file will say so
            blob = oid.decode("ascii")
            if oid in origins.introduced_in or blob in origins.ref_only:
                continue
            pending.append(oid)
            # a blob the ref names itself has no path; one in a tree has its path there
            origins.ref_only[blob] = (ref.name, path.decode("utf-8", "backslashreplace"))
        if pending:
            check.write(b"\n".join(pending) + b"\n")
    return True


def _glob_regex(globs: tuple[str, ...]) -> re.Pattern[bytes] | None:
    """One search for all the paths rules are for, matched at a path's tail (a hint: the
    Detector checks each path itself)."""
    if not globs:
        return None
    parts = [fnmatch.translate(glob).removesuffix(r"\Z").removeprefix("(?s:") for glob in globs]
    alternatives = "|".join(f"(?:{part.removesuffix(')')})" for part in parts)
    return re.compile(f"(?s)(?:^|/)(?:{alternatives})$".encode())


def _walk(
    stream: IO[bytes], origins: Origins, check: IO[bytes], named: re.Pattern[bytes] | None = None
) -> None:
    pending: list[bytes] = []
    last, index = b"", -1
    introduced_in = origins.introduced_in
    for commit, blob, path in written_blobs(nul_fields(_blocks(stream))):
        if commit != last:
            last, index = commit, index + 1
            origins.commits.append(commit)
        if named is not None and blob not in origins.named and named.search(path):
            origins.named[blob] = path.decode("utf-8", "backslashreplace")
        if blob not in introduced_in:
            pending.append(blob)
            if len(pending) >= _BATCH:
                check.write(b"\n".join(pending) + b"\n")
                pending = []
        introduced_in[blob] = index  # older commits come later: the last one introduced it
    if pending:
        check.write(b"\n".join(pending) + b"\n")

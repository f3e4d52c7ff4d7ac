"""Listing the blobs of a history by the commits that introduce them: one walk for two jobs.

`git log --all --date-order --raw -c` (newest first) names every blob each commit writes (for a
merge, what it writes that no parent has), so it is a listing of every blob reachable from a
commit, and the last commit to name a blob is the first one in `--reverse` order, the one that
introduced it. Taking the listing this way instead
of `rev-list --objects` and running the provenance walk later reads every tree once instead of
twice, and the blobs come out in the order their versions were written, which `cat-file` reads
far faster than `rev-list`'s: on the 20,000-commit benchmark 3.2 s of CPU instead of 4.7 s.

Only the introducing commit's position is kept per blob; the paths, author and date of the few
blobs that matched are looked up afterwards (`Origins.introductions`), with one `diff-tree`
over their introducing commits. Commits and annotated tags are listed by `rev-list` without
entering any tree. Refs naming a tree or a blob directly (not through a commit: git/git's
`junio-gpg-pub` tag) are walked after the history with `rev-list`, stopping at every commit
the history walk already covered; their blobs are placed at the ref. Only git older than 2.32
takes the `rev-list` listing.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from scaffold.scan.blobs import (
    COMMITS_AND_TAGS,
    check_entries,
    checked,
    joined,
    walk_and_check,
)
from scaffold.scan.git import Git, git_version
from scaffold.scan.listing import Listing, OidArray
from scaffold.scan.model import Provenance
from scaffold.scan.provenance import RAW_DIFF, nul_fields, with_details, written_blobs

_WALK = ("log", "--all", "--date-order", "--no-mailmap", *RAW_DIFF)
_BATCH = 1024  # ids handed to cat-file per write


class Origins:
    """For each listed blob, the commit that introduced it (an index into the walk's commits)."""

    def __init__(self) -> None:
        self.commits = OidArray()
        self.introduced_in: dict[bytes, int] = {}  # hex blob id -> index into `commits`
        # blobs no commit reaches, only a ref to a tree or a blob: hex id -> (ref, path)
        self.ref_only: dict[str, tuple[str, str]] = {}

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
    """Every reachable commit, annotated tag and blob, blobs in the order of the commits that
    wrote them (newest first), with where each was introduced. None when this repository needs
    the `rev-list` listing (see the module docstring) or a git process failed: the caller then
    takes that path, which also says what went wrong."""
    roots = _other_roots(git) if git_version() >= (2, 32) else None
    if roots is None:
        return None
    heads: list[Listing | None] = []
    filters, kinds = COMMITS_AND_TAGS
    thread = threading.Thread(
        target=lambda: heads.append(walk_and_check(git, filters, kinds, max_blob_size))
    )
    thread.start()
    try:
        listed = _blobs_by_history(git, max_blob_size, roots)
    finally:
        thread.join()
    commits = heads[0] if heads else None
    if listed is None or commits is None:
        return None
    blobs, origins = listed
    return joined([commits, blobs]), origins


@dataclass(frozen=True)
class _Roots:
    """Refs naming something other than a commit (or a tag of one), and every commit tip."""

    others: tuple[tuple[str, str], ...]  # (object id, ref name)
    tips: tuple[str, ...]


def _other_roots(git: Git) -> _Roots | None:
    proc = git.run(
        "for-each-ref", "--format=%(objectname) %(objecttype) %(*objecttype) %(refname)",
        check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        return None  # the rev-list path says what is wrong with the refs
    others: list[tuple[str, str]] = []
    tips: list[str] = []
    for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
        oid, kind, peeled, name = line.split(" ", 3)
        if (peeled or kind) == "commit":
            tips.append(oid)
        else:
            others.append((oid, name))
    return _Roots(tuple(others), tuple(tips))


def _blobs_by_history(
    git: Git, max_blob_size: int, roots: _Roots
) -> tuple[Listing, Origins] | None:
    """The walk, each blob new to it handed to `cat-file --batch-check` as it is seen (a reader
    thread takes the sizes), so the two git processes and this one work side by side."""
    origins = Origins()
    checked_part: list[Listing] = []
    with tempfile.TemporaryFile() as walk_errors, tempfile.TemporaryFile() as check_errors:
        walk = git.popen(*_WALK, stderr=walk_errors)
        check = git.popen("cat-file", "--batch-check", "--buffer", stdin=True, stderr=check_errors)
        assert walk.stdout is not None and check.stdin is not None and check.stdout is not None
        sizes = check.stdout
        reader = threading.Thread(
            target=lambda: checked_part.append(
                checked(check_entries(sizes), max_blob_size, (b"blob",))
            )
        )
        reader.start()
        finished = False
        try:
            _walk(walk.stdout, origins, check.stdin)
            finished = _walk_other_roots(git, roots, origins, check.stdin)
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
    if not walked or not checked_ok or not checked_part:
        return None
    return checked_part[0], origins


def _walk(stream: IO[bytes], origins: Origins, check: IO[bytes]) -> None:
    pending: list[bytes] = []
    last, index = b"", -1
    introduced_in = origins.introduced_in
    for commit, blob, _path in written_blobs(nul_fields(_blocks(stream))):
        if commit != last:
            last, index = commit, index + 1
            origins.commits.append(commit)
        if blob not in introduced_in:
            pending.append(blob)
            if len(pending) >= _BATCH:
                check.write(b"\n".join(pending) + b"\n")
                pending = []
        introduced_in[blob] = index  # older commits come later: the last one introduced it
    if pending:
        check.write(b"\n".join(pending) + b"\n")


def _walk_other_roots(git: Git, roots: _Roots, origins: Origins, check: IO[bytes]) -> bool:
    """Blobs reachable from refs to trees and blobs but from no commit the history walk saw,
    one `rev-list` per such ref (they are few); False if a walk failed."""
    for root, ref in roots.others:
        request = [root, *(f"^{tip}" for tip in roots.tips)]
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
            origins.ref_only[blob] = (ref, path.decode("utf-8", "backslashreplace"))
        if pending:
            check.write(b"\n".join(pending) + b"\n")
    return True

"""Where matched blobs came from: introducing commit, author, date, paths, refs, still in HEAD.

Computed only for the few blobs that matched (plus skipped ones, to name their paths), by one
walk of `git log --all --reverse --date-order --raw -m`: parents come before children, so the
first commit that shows a blob is the one that introduced it. `-m` matters: a blob first
written by a merge commit's own changes appears only in the merge's diffs against its parents.
The walk stops as soon as every wanted blob has been seen.

A scan starts the walk (`HistoryWalk.start`) as soon as it finds its first match, while the
workers are still reading: git writes the walk into a temporary file, which is read (following
it while git still writes) once the scan knows every blob it wants placed.

Most scans need no such walk: their listing already came from one (see origins.py). This one
serves listings taken by `rev-list` (refs naming trees or blobs, git before 2.32,
`--include-unreachable`).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import IO

from scaffold.scan.blobs import GitObject, read_ids
from scaffold.scan.git import Git, decode_path
from scaffold.scan.model import Provenance

_HEADER = b"\x01"
HEADER_FORMAT = "--format=%x01%H"  # each commit's header in `-z` output: \x01 and its id
_GITLINK = b"160000"  # a submodule's commit, not a blob of this repository


def nul_fields(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """NUL-separated fields of `git log -z` / `diff-tree -z` output, given in blocks."""
    rest = b""
    for block in blocks:
        parts = (rest + block).split(b"\x00")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def written_blobs(fields: Iterator[bytes]) -> Iterator[tuple[bytes, bytes, bytes]]:
    """(commit, blob, path) for every blob a commit writes, in the order git shows them, from
    `--raw -z` output with `HEADER_FORMAT` headers. A merge's combined entry (`-c`: one colon
    per parent, a mode and an id per parent, then the result's) yields the result."""
    commit = b""
    for field in fields:
        if field.startswith(_HEADER):
            commit = field[1:].strip()
            continue
        raw = field.lstrip(b"\n")
        if not raw.startswith(b":"):
            continue
        path = next(fields, b"")
        parents = len(raw) - len(raw.lstrip(b":"))
        meta = raw[parents:].split(b" ")
        if len(meta) != 2 * parents + 3 or not commit:
            continue
        mode, blob = meta[parents], meta[2 * parents + 1]
        if mode == _GITLINK or not blob.strip(b"0"):
            continue  # a submodule, or a deletion: nothing written
        yield commit, blob, path


def commit_details(git: Git, commits: set[str]) -> dict[str, Provenance]:
    """Author, date and summary of each commit (or annotated tag), one `cat-file` for all."""
    return {
        item.oid: parse_commit(item.oid, item.data)[0]
        for item in read_ids(git, sorted(commits))
        if isinstance(item, GitObject)
    }


def with_details(
    git: Git, places: dict[str, list[tuple[str, bytes]]]
) -> dict[str, list[Provenance]]:
    """Each blob's (commit, raw path) places as Provenance: author, date and summary read from
    the commit objects, one `cat-file` for all of them."""
    details = commit_details(git, {commit for found in places.values() for commit, _ in found})
    named: dict[str, list[Provenance]] = {}
    for blob, found in places.items():
        for commit, path in found:
            if commit in details:
                place = replace(details[commit], path=decode_path(path))
                if place not in named.setdefault(blob, []):
                    named[blob].append(place)
    return named


# What every walk over raw diffs asks of git (`log`, `diff-tree`), whatever the repository's
# own settings say.
RAW_DIFF = (
    "--raw",
    "--no-abbrev",
    # A merge's own changes (a conflict resolution, an evil merge) appear only in its diffs
    # against its parents. The combined diff (-c) shows exactly the paths where the merge
    # differs from every parent, which git finds without walking what the merge brought in
    # from each side: on git/git 9 s of one core for the whole log, against 29 s with -m
    # (1.1 GB of output). A blob equal to some parent's is written in that parent's history.
    "-c",
    "--root",  # a root commit (or a shallow clone's boundary) writes every blob it holds;
    # log.showRoot=false would hide them
    "--no-renames",
    "--no-textconv",
    "--no-ext-diff",
    "--no-color",
    "--no-relative",
    "-z",
    "--encoding=UTF-8",  # a repository's i18n.logOutputEncoding would re-encode the headers
    HEADER_FORMAT,
)
_WALK = ("log", "--all", "--reverse", "--date-order", "--no-mailmap", *RAW_DIFF)


class HistoryWalk:
    """The provenance walk, run by git into a temporary file from when `start` is called."""

    def __init__(self, git: Git) -> None:
        self._git = git
        self._files = ExitStack()
        self._out: IO[bytes] | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self._proc is None:
            self._out = self._files.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
            errors = self._files.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
            self._proc = self._git.popen(*_WALK, stderr=errors, stdout=self._out)

    def blocks(self, size: int = 1 << 16) -> Iterator[bytes]:
        """The walk's output so far and as git writes the rest, until git exits."""
        self.start()
        assert self._out is not None and self._proc is not None
        fd, offset = self._out.fileno(), 0
        while True:
            exited = self._proc.poll() is not None
            # pread: the file offset is git's to write at; reading must not move it
            block = os.pread(fd, size, offset)
            if block:
                offset += len(block)
                yield block
            elif exited:
                return
            else:
                time.sleep(0.005)

    def close(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
        self._files.close()

    def __enter__(self) -> HistoryWalk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def introductions(
    git: Git, wanted: set[str], walk: HistoryWalk | None = None
) -> dict[str, list[Provenance]]:
    """First commit(s) showing each wanted blob, with every path it had in that commit.

    `walk` is one already started (it is closed here); without it a walk is run now.
    """
    places: dict[str, list[tuple[str, bytes]]] = {}
    with walk or HistoryWalk(git) as running:
        if not wanted:
            return {}
        remaining = set(wanted)
        done_in: str | None = None
        for raw_commit, raw_blob, path in written_blobs(nul_fields(running.blocks())):
            sha = raw_commit.decode("ascii")
            if done_in is not None and sha != done_in:
                break  # every wanted blob seen, and its whole commit examined
            blob = raw_blob.decode("ascii")
            if blob in wanted and (blob in remaining or places[blob][0][0] == sha):
                if (sha, path) not in places.setdefault(blob, []):
                    places[blob].append((sha, path))
                remaining.discard(blob)
                if not remaining and done_in is None:
                    done_in = sha
    return with_details(git, places)


def parse_commit(oid: str, data: bytes) -> tuple[Provenance, bytes, int]:
    """Author, date and summary of a raw commit object, its message, and the message's offset.

    Parsed from the object we already read, so matched commit messages need no extra git call.
    """
    head, sep, message = data.partition(b"\n\n")
    offset = len(head) + len(sep)
    name = email = date = ""
    for line in head.split(b"\n"):
        if line.startswith((b"author ", b"tagger ")):  # tags have a tagger, commits an author
            name, email, date = _person(line.split(b" ", 1)[1])
            break
    return Provenance(oid, "", name, email, date, _subject(message)), message, offset


def _subject(message: bytes) -> str:
    """What git's `%s` shows: the first paragraph, each line's trailing blanks removed, joined
    with spaces (leading blank lines skipped)."""
    lines: list[bytes] = []
    for line in message.split(b"\n"):
        if not line.strip():
            if lines:
                break
            continue
        lines.append(line.rstrip())
    return b" ".join(lines).decode("utf-8", "replace")


def _person(raw: bytes) -> tuple[str, str, str]:
    # "Name <email> 1700000001 +0000"
    who, _, when = raw.rpartition(b"> ")
    name, _, email = who.partition(b" <")
    date = ""
    parts = when.split()
    if len(parts) == 2 and parts[0].isdigit():
        zone = parts[1].decode("ascii", "replace")
        try:
            sign = -1 if zone.startswith("-") else 1
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])) * sign
            stamp = datetime.fromtimestamp(int(parts[0]), timezone(offset))
            date = stamp.isoformat()
        except (ValueError, OverflowError, OSError):
            date = ""
    return name.decode("utf-8", "replace"), email.decode("utf-8", "replace"), date


class RefsWalk:
    """For commits, every ref (branch, tag, remote, stash) each is reachable from. The walk is
    started before the commits are known: git sorts the whole history before it lists the first
    commit, and does so while the caller still works out which commits it wants (on flask, most
    of the 0.05 s this walk takes).

    One walk for all refs: `rev-list --topo-order --parents` lists children before parents, so a
    commit's refs are complete when it is reached (those pointing at it, plus its children's),
    and are then handed on to its parents as one bit mask. Masks are dropped once handed on, so
    memory follows the width of the history, not its length.
    """

    def __init__(self, git: Git) -> None:
        listed = git.run(
            "for-each-ref",
            "--format=%(objecttype) %(*objecttype) %(objectname) %(*objectname) %(refname)",
            check=False,
        ).stdout
        self._names: list[str] = []
        self._masks: dict[bytes, int] = {}
        for line in listed.splitlines():
            kind, peeled_kind, oid, peeled, name = line.split(b" ", 4)
            target = peeled if peeled_kind else oid
            if (peeled_kind or kind) != b"commit":
                continue  # a ref to a tree or blob holds no commit
            self._masks[target] = self._masks.get(target, 0) | (1 << len(self._names))
            self._names.append(decode_path(name))
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._proc: subprocess.Popen[bytes] | None = None
        if self._masks:
            self._proc = git.popen(
                "rev-list", "--topo-order", "--parents", "--stdin", stdin=True, stderr=self._errors
            )
            assert self._proc.stdin is not None
            # read whole before the walk begins
            self._proc.stdin.write(b"".join(tip + b"\n" for tip in self._masks))
            self._proc.stdin.close()

    def __enter__(self) -> RefsWalk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._proc is not None:
            assert self._proc.stdout is not None
            self._proc.stdout.close()
            self._proc.kill()
            self._proc.wait()
            self._proc = None
        self._errors.close()

    def refs_for(self, commits: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Each of `commits` with its refs; call once."""
        found: dict[str, tuple[str, ...]] = {commit: () for commit in commits}
        proc, masks, names = self._proc, self._masks, self._names
        if proc is None or not commits:
            return found
        assert proc.stdout is not None
        wanted = {commit.encode("ascii") for commit in commits}
        remaining = len(wanted)
        for line in proc.stdout:
            commit, *parents = line.split()
            mask = masks.pop(commit, 0)
            for parent in parents:
                masks[parent] = masks.get(parent, 0) | mask
            if commit in wanted:
                found[commit.decode("ascii")] = tuple(
                    name for bit, name in enumerate(names) if mask >> bit & 1
                )
                remaining -= 1
                if remaining == 0:
                    break  # ancestors cannot add refs to commits already reached
        return found


def refs_pointing_at(git: Git, oid: str) -> tuple[str, ...]:
    """Refs whose value is exactly `oid` (the names of an annotated tag object)."""
    proc = git.run("for-each-ref", "--format=%(refname)", f"--points-at={oid}", check=False)
    if proc.returncode != 0:
        return ()
    return tuple(decode_path(line) for line in proc.stdout.splitlines() if line)


def head_blobs(git: Git) -> frozenset[str]:
    """Blob ids in the tree at HEAD, the tip of the default branch."""
    proc = git.run("ls-tree", "-r", "-z", "--full-tree", "HEAD", check=False)
    if proc.returncode != 0:
        return frozenset()
    blobs: set[str] = set()
    for entry in proc.stdout.split(b"\x00"):
        meta = entry.split(b"\t", 1)[0].split()
        if len(meta) == 3 and meta[1] == b"blob":
            blobs.add(meta[2].decode("ascii"))
    return frozenset(blobs)


def gitlinks_at_head(git: Git) -> tuple[tuple[str, str], ...]:
    """(path, commit) of each submodule recorded at HEAD: history we do not follow."""
    proc = git.run("ls-tree", "-r", "-z", "--full-tree", "HEAD", check=False)
    if proc.returncode != 0:
        return ()
    links: list[tuple[str, str]] = []
    for entry in proc.stdout.split(b"\x00"):
        meta, _, path = entry.partition(b"\t")
        fields = meta.split()
        if len(fields) == 3 and fields[1] == b"commit":
            links.append((decode_path(path), fields[2].decode("ascii")))
    return tuple(links)


def reachable_from_head(git: Git, commit: str) -> bool:
    proc = git.run("merge-base", "--is-ancestor", commit, "HEAD", check=False)
    return proc.returncode == 0

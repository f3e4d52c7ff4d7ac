"""What the commits of `A..B` introduced: a pull request's blobs and commit messages.

The selection, precisely: C = the commits reachable from B and not from A (`git rev-list A..B`,
all of them, merges included). Scanned are (1) every blob that some commit in C records as
added or modified on any path, compared with each of its parents (`diff-tree -m`: a merge's
own changes and what it brings in from each side), or with the empty tree for a root commit;
and (2) the messages of the commits in C. A blob that already existed before A on one path
and is copied to another path inside the range is scanned, because that copy is a change in
the range. Blobs are scanned once however many paths and commits carry them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from scaffold.errors import RepositoryError, UsageError
from scaffold.scan.blobs import list_objects
from scaffold.scan.git import Git, decode_path, display_name, first_line, open_repository
from scaffold.scan.listing import Listing, OidArray
from scaffold.scan.model import Provenance, ScanOptions, Skipped
from scaffold.scan.provenance import commit_details
from scaffold.scan.sources import Content, Kind, Matched, Placement, Where
from scaffold.scan.sources.objects import ObjectReader

_OID = re.compile(rb"^[0-9a-f]{40}([0-9a-f]{24})?$")
GITLINK_MODE = "160000"  # a submodule: another repository's commit, nothing of ours
SYMLINK_MODE = "120000"  # the blob is a link target, not file content


@dataclass(frozen=True)
class RangeSelection:
    """What a range introduced: its commits (oldest first) and each new blob's places."""

    base: str | None  # None: no lower bound (every ancestor of the tip)
    tip: str
    commits: tuple[str, ...]
    blobs: dict[str, tuple[tuple[str, str], ...]]  # blob -> ((commit, path), ...) oldest first


def parse_range(text: str) -> tuple[str | None, str]:
    """`A..B` into (A, B); `A..` means A..HEAD and `B` alone means everything up to B."""
    if "..." in text:
        raise UsageError(f"--range {text!r}: use A..B (two dots), the commits in B and not in A")
    if ".." not in text:
        return None, text or "HEAD"
    base, _, tip = text.partition("..")
    if not base:
        raise UsageError(f"--range {text!r}: the start of the range is missing")
    return base, tip or "HEAD"


def _resolve(git: Git, ref: str) -> str:
    proc = git.run(
        "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False
    )
    sha = proc.stdout.decode().strip()
    if proc.returncode != 0 or not sha:
        raise RepositoryError(
            f"{ref!r} is not a commit in this repository (in CI, fetch the full history: "
            "actions/checkout with fetch-depth: 0)"
        )
    return sha


def select_range(git: Git, base: str | None, tip: str) -> RangeSelection:
    """The commits of `base..tip` and every blob they add or modify (see the module doc)."""
    tip_sha = _resolve(git, tip)
    base_sha = _resolve(git, base) if base is not None else None
    spec = [tip_sha] + ([f"^{base_sha}"] if base_sha else [])
    listed = git.output("rev-list", "--reverse", "--topo-order", *spec, "--")
    commits = tuple(listed.decode().split())
    diff = git.run(
        "diff-tree",
        "--stdin",
        "-r",
        "-m",
        "--root",
        "--raw",
        "-z",
        "--no-abbrev",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        "--diff-filter=AMT",
        input="".join(f"{c}\n" for c in commits).encode(),
        check=False,
    )
    if diff.returncode != 0:
        raise RepositoryError(f"git diff-tree failed: {first_line(diff.stderr)}")
    places: dict[str, list[tuple[str, str]]] = {}
    tokens = diff.stdout.split(b"\0")
    commit = ""
    i = 0
    while i < len(tokens):
        token = tokens[i].strip(b"\n")
        i += 1
        if _OID.match(token):
            commit = token.decode()
        elif token.startswith(b":") and i < len(tokens):
            path = tokens[i]
            i += 1
            _, mode, _, blob, _ = token[1:].decode().split(" ")
            if mode in (GITLINK_MODE, SYMLINK_MODE):
                continue  # another repository, or a link target: no content of ours
            seen = places.setdefault(blob, [])
            place = (commit, decode_path(path))
            if place not in seen:
                seen.append(place)
    return RangeSelection(
        base=base_sha,
        tip=tip_sha,
        commits=commits,
        blobs={blob: tuple(p) for blob, p in places.items()},
    )


class RangeSource:
    """What `base..tip` introduced in the repository at `path`; findings carry the range's
    commit and path."""

    name = "range"

    def __init__(self, path: Path, base: str | None, tip: str, options: ScanOptions) -> None:
        self.git, info = open_repository(path)
        self.label = display_name(info)
        self.reader = ObjectReader(self.git)
        self._base, self._tip, self._options = base, tip, options
        self._selection: RangeSelection | None = None

    def size_hint(self) -> int:
        return 0  # a range is small: scanned in this process

    def close(self) -> None:
        self.git.close()

    def stream(self) -> Iterator[Listing]:
        yield self.prepare()

    def prepare(self) -> Listing:
        selection = self._selection = select_range(self.git, self._base, self._tip)
        ids = OidArray()
        for oid in (*selection.commits, *selection.blobs):
            ids.append(oid.encode("ascii"))
        return list_objects(self.git, ids, self._options.max_blob_size)

    def named(self) -> list[Content]:
        return []  # paths, where known, go with the content

    def place(self, matched: Sequence[Matched], skipped: Sequence[Skipped]) -> Placement:
        selection = self._selection
        assert selection is not None
        blobs = {m.key for m in matched if m.kind == Kind.BLOB}
        messages = {m.key for m in matched if m.kind != Kind.BLOB}
        wanted = messages | {c for b in blobs for c, _ in selection.blobs.get(b, ())}
        details = commit_details(self.git, wanted)
        where: dict[str, Where] = {}
        for blob in blobs:
            where[blob] = Where(
                tuple(_place(details.get(c), c, p) for c, p in selection.blobs.get(blob, ()))
            )
        for commit in messages:
            where[commit] = Where((details[commit],) if commit in details else ())
        named = []
        for item in skipped:
            places = selection.blobs.get(item.object_id, ())
            named.append(replace(item, path=places[0][1]) if places and not item.path else item)
        base = selection.base[:12] if selection.base else "(root)"
        return Placement(where, tuple(named), extra={"range": f"{base}..{selection.tip[:12]}"})


def _place(commit: Provenance | None, sha: str, path: str) -> Provenance:
    if commit is None:
        return Provenance(sha, path, "", "", "")
    return replace(commit, commit=sha, path=path)

"""The whole history of a repository: every blob, commit and annotated tag any ref reaches.

Listing: one history walk names every blob with the commit that introduced it (origins.py);
`rev-list` where that walk cannot be used (blobs.py). Reading: `cat-file`, one per worker
stripe. Placing: provenance, refs and HEAD presence for the few objects that matched
(provenance.py), never for all of them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path

from scaffold.scan.blobs import GitObject, read_ids, stored_bytes, take_inventory
from scaffold.scan.git import (
    display_name,
    head_commit,
    open_repository,
    shallow_boundaries,
)
from scaffold.scan.listing import Listing, OidArray
from scaffold.scan.model import Provenance, ScanOptions, Skipped
from scaffold.scan.origins import HistoryLister, Origins
from scaffold.scan.provenance import (
    RefsWalk,
    commit_details,
    gitlinks_at_head,
    head_blobs,
    introductions,
    reachable_from_head,
    refs_pointing_at,
)
from scaffold.scan.sources import Content, Kind, Matched, Placement, Where
from scaffold.scan.sources.objects import ObjectReader


class HistorySource:
    """Every reachable object of the repository at `path` (see the module doc)."""

    name = "history"

    def __init__(self, path: Path, options: ScanOptions) -> None:
        self.git, self.info = open_repository(path)  # "not a repository" beats any other error
        self.label = display_name(self.info)
        self.options = options
        self.reader = ObjectReader(self.git)
        self._origins: Origins | None = None
        self._head: str | None = None

    def size_hint(self) -> int:
        return stored_bytes(self.git)

    def close(self) -> None:
        self.git.close()

    def stream(self) -> Iterator[Listing]:
        git, options = self.git, self.options
        self._head = head_commit(git)
        gaps: list[str] = list(self.info.hazards)
        if self.info.shallow:
            cut = ", ".join(c[:12] for c in shallow_boundaries(git)) or "unknown"
            gaps.append(
                f"shallow clone: history before {cut} is not in this clone and was not scanned "
                "(run `git fetch --unshallow` to scan everything)"
            )
        from scaffold.scan.rulecache import cached_ruleset

        globs = tuple(g for rule in cached_ruleset(options.extra_rules).rules for g in rule.paths)
        lister = HistoryLister(
            git, options.max_blob_size, damaged=bool(self.info.hazards), path_globs=globs
        )
        commits = 0
        if options.include_unreachable or not lister.usable():
            listing = take_inventory(
                git,
                include_unreachable=options.include_unreachable,
                max_blob_size=options.max_blob_size,
            )
            commits = listing.commit_count
            # the listing's own complaints (a walk that stopped early) are gaps
            yield replace(listing, warnings=(), gaps=(*listing.gaps, *listing.warnings))
        else:
            self._origins = lister.origins
            for block in lister.blocks():
                commits += block.commit_count
                yield block
        warnings = []
        if commits == 0 and not options.include_unreachable:
            warnings.append("empty repository: no commits to scan")
        yield Listing(OidArray(), 0, 0, 0, (), tuple(warnings), gaps=tuple(gaps))

    def named(self) -> list[Content]:
        """Blobs the walk saw at a path some rule is for, read again with that path (the
        workers read blobs by id alone)."""
        named = self._origins.named if self._origins is not None else {}
        if not named:
            return []
        paths = {blob.decode("ascii"): path for blob, path in named.items()}
        return [
            Content(item.oid, Kind.BLOB, item.data, len(item.data), paths[item.oid])
            for item in read_ids(self.git, sorted(paths))
            if isinstance(item, GitObject)
        ]

    def place(self, matched: Sequence[Matched], skipped: Sequence[Skipped]) -> Placement:
        git = self.git
        blobs = {m.key for m in matched if m.kind == Kind.BLOB}
        messages = {m.key for m in matched if m.kind != Kind.BLOB}
        tags = {m.key for m in matched if m.kind == Kind.TAG}
        # one walk names both the matched blobs and the skipped ones
        wanted = blobs | {s.object_id for s in skipped if not s.path}
        with RefsWalk(git) if blobs or messages else contextlib.nullcontext() as walk:
            if self._origins is not None:
                places = self._origins.introductions(git, wanted)
            else:
                places = introductions(git, wanted)
            at_head = head_blobs(git) if blobs else frozenset()
            commit_places = commit_details(git, messages)
            introducing = sorted(
                {p[0].commit for b, p in places.items() if b in blobs and p and p[0].commit}
            )
            commits = sorted(set(introducing) | set(commit_places))
            refs = walk.refs_for(commits) if walk is not None else {}
        with ThreadPoolExecutor(max_workers=4) as threads:  # git walks side by side
            # an annotated tag lives in the refs that name it, not in every branch past it
            refs.update({tag: refs_pointing_at(git, tag) for tag in tags})
            ordered = sorted(messages)
            from_head = dict(
                zip(ordered, threads.map(partial(reachable_from_head, git), ordered), strict=True)
            )
        where: dict[str, Where] = {}
        only_from = self._origins.ref_only if self._origins is not None else {}
        for blob in blobs:
            found = tuple(places.get(blob, ()))
            held = refs.get(found[0].commit, ()) if found and found[0].commit else ()
            if blob in only_from:  # behind a ref to a tree or a blob, in no commit
                held = (only_from[blob][0],)
            where[blob] = Where(found, held, blob in at_head)
        for commit in messages:
            place = commit_places.get(commit)
            provenance: tuple[Provenance, ...] = (place,) if place else ()
            where[commit] = Where(provenance, refs.get(commit, ()), from_head[commit])
        warnings = []
        if self._head is not None:
            for link_path, commit in gitlinks_at_head(git):
                warnings.append(
                    f"submodule {link_path} (commit {commit[:12]}) not followed: "
                    "scan that repository separately"
                )
        return Placement(where, _named(skipped, places), tuple(warnings))


def _named(
    skipped: Sequence[Skipped], introduced: dict[str, list[Provenance]]
) -> tuple[Skipped, ...]:
    """Skipped blobs with the path they had where they were introduced."""
    named = []
    for item in skipped:
        first = introduced.get(item.object_id)
        named.append(replace(item, path=first[0].path) if first and not item.path else item)
    return tuple(named)

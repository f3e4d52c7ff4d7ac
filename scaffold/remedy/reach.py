"""What a purge rewrites: the commits holding a secret, the commits after them, the refs to them.

Everything else keeps its id, and so its signature (git-filter-repo re-creates every commit it
rewrites unsigned). A commit holds a secret when a blob it writes (against any parent, or as a
root) or its message contains one; a commit that keeps a secret from a parent descends from the
one that wrote it, so the commits to rewrite are the writers and all their descendants.

git-filter-repo is given exactly the refs that lead there (`--refs`) and, as `^<commit>`
exclusions, the untouched parents of the rewritten commits: fast-export then refers to those as
they are (`--reference-excluded-parents`), and no other commit is exported or re-created.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scaffold.remedy.git import Git, lines, parse_batch
from scaffold.remedy.history import Commit, Replacement

_SIGNATURE = re.compile(rb"^-----BEGIN [A-Z ]*(SIGNATURE|SIGNED MESSAGE)-----$", re.MULTILINE)
_FORMAT = "--format=%(refname)%00%(objectname)%00%(objecttype)%00%(*objectname)%00%(symref)"
STASH = "refs/stash"


@dataclass(frozen=True)
class RefChange:
    """A ref the purge rewrites, and why."""

    name: str
    oid: str  # what it names now (a tag object, for an annotated tag)
    reaches: tuple[str, ...]  # fingerprints of secrets its history holds
    in_message: tuple[str, ...] = ()  # fingerprints in its own tag message
    signed_tag: bool = False  # a signed tag, which is re-created unsigned


@dataclass(frozen=True)
class Reach:
    rewritten: frozenset[str]  # commits that get new ids
    boundary: tuple[str, ...]  # commits kept as they are that rewritten ones build on
    changes: tuple[RefChange, ...]  # refs that change, by name
    kept: tuple[str, ...]  # refs that keep their ids
    refs_seen: tuple[tuple[str, str], ...]  # every ref and its id when planned (symrefs aside)
    writers: Mapping[str, tuple[str, ...]]  # fingerprint -> commits that write it, oldest first
    signed: int  # signed commits among the rewritten ones
    stash: tuple[int, ...] = ()  # stash entries built on a rewritten commit
    detached: bool = False  # HEAD is detached at a rewritten commit

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(change.name for change in self.changes)

    @property
    def signed_tags(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.changes if c.signed_tag)

    def filter_args(self) -> list[str]:
        """git-filter-repo's `--refs` with its exclusions (last: it takes every word after it)."""
        return ["--refs", *self.refs, *(f"^{oid}" for oid in self.boundary)]


@dataclass(frozen=True)
class _Ref:
    name: str
    oid: str
    kind: str
    peeled: str


def compute(
    git: Git,
    commits: Mapping[str, Commit],
    holding: Mapping[str, tuple[str, ...]],
    replacements: Sequence[Replacement],
    signed: Iterable[str] = (),
) -> Reach:
    """`holding`: blob -> fingerprints of the secrets in it; `signed`: signed commits."""
    writers = _writers(commits, holding, replacements)
    children: dict[str, list[str]] = {}
    for oid, commit in commits.items():
        for parent in commit.parents:
            children.setdefault(parent, []).append(oid)
    reached = {fp: _descendants(starts, children) for fp, starts in writers.items()}
    rewritten = frozenset().union(*reached.values()) if reached else frozenset()
    boundary = {p for oid in rewritten for p in commits[oid].parents if p not in rewritten}
    refs = _refs(git)
    tags = _tag_objects(git, [r.oid for r in refs if r.kind == "tag"])
    changes, kept = [], []
    for ref in refs:
        if ref.name == STASH:
            continue
        reaches = tuple(fp for fp in sorted(reached) if ref.peeled in reached[fp])
        body = tags.get(ref.oid, b"")
        in_message = tuple(r.fingerprint for r in replacements if body and r.secret in body)
        if not reaches and not in_message:
            kept.append(ref.name)
            continue
        if in_message and not reaches and ref.peeled in commits:
            boundary.add(ref.peeled)  # a new tag object on the commit as it is
        signed_tag = bool(body) and _SIGNATURE.search(body) is not None
        changes.append(RefChange(ref.name, ref.oid, reaches, in_message, signed_tag))
    return Reach(
        rewritten=rewritten,
        boundary=tuple(sorted(boundary)),
        changes=tuple(changes),
        kept=tuple(kept),
        refs_seen=tuple((r.name, r.oid) for r in refs),
        writers={
            fp: tuple(sorted(found, key=lambda c: _when(commits[c], c)))
            for fp, found in writers.items()
        },
        signed=len(rewritten.intersection(signed)),
        stash=_stash_reaching(git, rewritten),
        detached=_detached_head(git) in rewritten,
    )


def _writers(
    commits: Mapping[str, Commit],
    holding: Mapping[str, tuple[str, ...]],
    replacements: Sequence[Replacement],
) -> dict[str, set[str]]:
    """fingerprint -> commits that write a blob holding it or carry it in their message."""
    wanted = {oid.encode(): fps for oid, fps in holding.items()}
    found: dict[str, set[str]] = {}
    for oid, commit in commits.items():
        for entry in commit.changes:
            for fp in wanted.get(entry[3], ()) if len(entry) >= 6 else ():
                found.setdefault(fp, set()).add(oid)
        for item in replacements:
            if item.secret in commit.message:
                found.setdefault(item.fingerprint, set()).add(oid)
    return found


def _when(commit: Commit, oid: str) -> tuple[int, str]:
    """Commit time (people ends with the raw committer date, "seconds zone"), then id."""
    stamp = commit.people[-1].split(b" ", 1)[0] if commit.people else b""
    return (int(stamp) if stamp.isdigit() else 0, oid)


def _descendants(starts: Iterable[str], children: Mapping[str, list[str]]) -> frozenset[str]:
    seen = set(starts)
    todo = list(seen)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return frozenset(seen)


def _refs(git: Git) -> list[_Ref]:
    """Every ref that names an object itself (a symbolic ref follows its target)."""
    found = []
    for line in git.output("for-each-ref", _FORMAT).splitlines():
        name, oid, kind, peeled, symref = line.decode("utf-8", "surrogateescape").split("\0")
        if not symref:
            found.append(_Ref(name, oid, kind, peeled or oid))
    return found


def _tag_objects(git: Git, oids: Sequence[str]) -> dict[str, bytes]:
    """tag object -> its message (with any signature)."""
    if not oids:
        return {}
    out = git.output("cat-file", "--batch", input="".join(f"{o}\n" for o in oids).encode())
    return {oid: data.partition(b"\n\n")[2] for oid, data in parse_batch(out).items()}


def _detached_head(git: Git) -> str:
    if git.run("symbolic-ref", "-q", "HEAD", check=False).returncode == 0:
        return ""
    head = git.run("rev-parse", "--verify", "-q", "HEAD", check=False)
    return head.stdout.decode().strip() if head.returncode == 0 else ""


def _stash_reaching(git: Git, rewritten: frozenset[str]) -> tuple[int, ...]:
    """Stash entries (stash@{n}) that hold, or are built on, a rewritten commit. `--all` walks
    only the newest entry; the older ones live in the stash's reflog."""
    if git.run("rev-parse", "--verify", "-q", STASH, check=False).returncode != 0:
        return ()
    entries = lines(git, "reflog", "show", "--no-show-signature", "--format=%H", STASH)
    affected = set(rewritten)
    own = git.output(
        "rev-list", "--topo-order", "--reverse", "--parents", *entries, "--not", "--all"
    )
    for line in own.decode().splitlines():
        oid, *parents = line.split()
        if any(p in affected for p in parents):
            affected.add(oid)
    return tuple(n for n, oid in enumerate(entries) if oid in affected)

"""A repository's history as purge compares it: refs, commits, blobs, and their rewritten twins.

Before a purge, `expected_blobs` reads every reachable blob once and works out what each must
become (its text with each secret replaced, the way git-filter-repo replaces it); after it,
`compare` proves that is exactly what happened and nothing else changed.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scaffold.remedy.git import Git, parse_batch

BINARY_PROBE = 8192  # git-filter-repo leaves blobs with a NUL in their first 8 KiB untouched
CHUNK = 2000  # blobs read per cat-file call

_FORMAT = "%x01%H%x00%P%x00%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd%x00%B%x00"


@dataclass(frozen=True)
class Replacement:
    fingerprint: str
    rule_id: str
    secret: bytes = field(repr=False)
    placeholder: bytes

    def apply(self, data: bytes) -> bytes:
        return data.replace(self.secret, self.placeholder)


def apply_all(replacements: Sequence[Replacement], data: bytes) -> bytes:
    for item in replacements:  # longest first (purge orders them): a secret inside another
        data = item.apply(data)
    return data


@dataclass(frozen=True)
class BlobPlan:
    before: frozenset[str]
    mapping: dict[str, str]  # old blob -> the id it must have after (only changed ones)
    binary: dict[str, str]  # blob holding a secret that filter-repo will not touch -> fingerprint
    found: frozenset[str]  # fingerprints found literally in some blob
    holding: dict[str, tuple[str, ...]] = field(default_factory=dict)  # blob -> its secrets


@dataclass(frozen=True)
class Commit:
    parents: tuple[str, ...]
    people: tuple[bytes, ...]  # author and committer names, emails, dates
    message: bytes
    changes: frozenset[tuple[bytes, ...]]  # raw diff entries against each parent


def refs(git: Git) -> dict[str, str]:
    out = git.output("for-each-ref", "--format=%(refname)%00%(objectname)")
    pairs = (line.split(b"\0", 1) for line in out.splitlines() if line)
    return {name.decode("utf-8", "surrogateescape"): oid.decode() for name, oid in pairs}


def signed_commits(git: Git) -> frozenset[str]:
    """Commits carrying a signature, which git-filter-repo cannot keep when it rewrites them."""
    out = git.output("rev-list", "--all", "--header")
    signed = set()
    for record in out.split(b"\0"):
        header = record.lstrip(b"\n").split(b"\n\n", 1)[0]
        if b"\ngpgsig" in header:
            signed.add(header.split(b"\n", 1)[0].decode())
    return frozenset(signed)


def commit_count(git: Git) -> int:
    return int(git.text("rev-list", "--all", "--count") or 0)


def reachable_blobs(git: Git) -> frozenset[str]:
    """Every blob any ref reaches (the type filter still lists commits and tags: drop them)."""
    out = git.output(
        "rev-list", "--all", "--objects", "--filter=object:type=blob", "--no-object-names"
    )
    listed = {line.decode() for line in out.split() if line}
    if not listed:
        return frozenset()
    kinds = git.output(
        "cat-file", "--batch-check=%(objecttype) %(objectname)",
        input="".join(f"{oid}\n" for oid in sorted(listed)).encode(),
    )  # fmt: skip
    return frozenset(
        line.split()[1].decode() for line in kinds.splitlines() if line.startswith(b"blob ")
    )


def blob_id(data: bytes, object_format: str) -> str:
    algorithm = hashlib.sha256 if object_format == "sha256" else hashlib.sha1
    return algorithm(b"blob %d\0" % len(data) + data).hexdigest()


def expected_blobs(
    git: Git, replacements: Sequence[Replacement], object_format: str = "sha1"
) -> BlobPlan:
    before = reachable_blobs(git)
    mapping: dict[str, str] = {}
    binary: dict[str, str] = {}
    found: set[str] = set()
    secrets: dict[str, tuple[str, ...]] = {}
    ordered = sorted(before)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        out = git.output("cat-file", "--batch", input="".join(f"{o}\n" for o in chunk).encode())
        for oid, data in parse_batch(out).items():
            holding = [r for r in replacements if r.secret in data]
            if not holding:
                continue
            found.update(r.fingerprint for r in holding)
            secrets[oid] = tuple(r.fingerprint for r in holding)
            if b"\0" in data[:BINARY_PROBE]:
                binary[oid] = holding[0].fingerprint
                continue
            mapping[oid] = blob_id(apply_all(replacements, data), object_format)
    return BlobPlan(before, mapping, binary, frozenset(found), secrets)


def commits(git: Git) -> dict[str, Commit]:
    out = git.output(
        "log", "--all", "--root", "--no-renames", "--raw", "-m", "--no-abbrev", "--date=raw",
        "--no-show-signature",
        f"--format={_FORMAT}",
    )  # fmt: skip
    found: dict[str, Commit] = {}
    for chunk in out.split(b"\x01")[1:]:
        fields = chunk.split(b"\0", 9)
        oid = fields[0].decode()
        raw = frozenset(
            tuple(line.replace(b"\t", b" ").split(b" ", 5))
            for line in fields[9].splitlines()
            if line.startswith(b":")
        )
        previous = found.get(oid)
        changes = raw | (previous.changes if previous else frozenset())
        found[oid] = Commit(
            parents=tuple(p.decode() for p in fields[1].split()),
            people=tuple(fields[2:8]),
            message=fields[8],
            changes=changes,
        )
    return found


def commit_map(git_dir: Path) -> dict[str, str]:
    """old -> new commit ids of the commits git-filter-repo exported (the others stay as they
    are), from the map it leaves in the repository."""
    path = git_dir / "filter-repo" / "commit-map"
    mapping = {}
    for line in path.read_text(encoding="ascii").splitlines()[1:]:
        old, new = line.split()
        mapping[old] = new
    return mapping


def compare(
    before: dict[str, Commit],
    after: dict[str, Commit],
    renamed: dict[str, str],
    blobs: dict[str, str],
    replacements: Sequence[Replacement],
) -> list[str]:
    """What differs other than the replaced secrets (empty: nothing)."""
    problems: list[str] = []
    ids = sorted(set(renamed) | set(renamed.values()))
    for old, commit in before.items():
        twin = after.get(renamed.get(old, old))  # a commit filter-repo did not export stays
        if twin is None:
            problems.append(f"commit {old[:12]} has no counterpart after the rewrite")
            continue
        if tuple(renamed.get(p, p) for p in commit.parents) != twin.parents:
            problems.append(f"commit {old[:12]}: parents changed")
        if commit.people != twin.people:
            problems.append(f"commit {old[:12]}: author or committer changed")
        message = apply_all(replacements, commit.message)
        if message != twin.message and masked(message, ids) != masked(twin.message, ids):
            problems.append(f"commit {old[:12]}: message changed beyond the replaced secrets")
        if _mapped(commit.changes, blobs) != twin.changes:
            problems.append(f"commit {old[:12]}: files changed beyond the replaced secrets")
        if len(problems) >= 20:
            break
    return problems


_HEX = re.compile(rb"\b[0-9a-f]{7,40}\b")


def masked(message: bytes, ids: Sequence[str]) -> bytes:
    """The message with every commit id it quotes (any known commit, old or new, abbreviated
    or not) replaced by `<id>`. git-filter-repo rewrites the ids of commits it has already
    rewritten when it meets them, so which quotes change depends on its export order."""

    def swap(found: re.Match[bytes]) -> bytes:
        text = found.group(0).decode()
        at = bisect.bisect_left(ids, text)
        return b"<id>" if at < len(ids) and ids[at].startswith(text) else found.group(0)

    return _HEX.sub(swap, message)


def _mapped(
    changes: Iterable[tuple[bytes, ...]], blobs: dict[str, str]
) -> frozenset[tuple[bytes, ...]]:
    out = set()
    for entry in changes:
        if len(entry) < 6:
            out.add(entry)
            continue
        src, dst = entry[2].decode(), entry[3].decode()
        out.add(
            (
                entry[0],
                entry[1],
                blobs.get(src, src).encode(),
                blobs.get(dst, dst).encode(),
                entry[4],
                entry[5],
            )
        )
    return frozenset(out)

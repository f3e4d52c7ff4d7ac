"""The refs of a repository under scan, read so that a broken one costs only itself.

`git log --all` and `rev-list --all` stop at the first ref whose object is missing, and every
ref command stops at a malformed `packed-refs`. So refs are listed by name and value only
(which reads no object), their objects are looked up in one `cat-file --batch-check`, and the
walks are given the tips that exist. A ref to a missing object is one gap; refs that cannot be
read at all are another, and the scan then reads every object in the store instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from scaffold.scan.git import Git, decode_path, first_line


@dataclass(frozen=True)
class Ref:
    name: str
    oid: str  # what the ref names (a tag object, for an annotated tag)
    kind: str  # that object's type
    peeled: str  # the object at the end of any chain of tags
    peeled_kind: str


@dataclass(frozen=True)
class Refs:
    refs: tuple[Ref, ...]
    gaps: tuple[str, ...]
    readable: bool  # False: the refs could not be listed at all

    @property
    def commit_tips(self) -> tuple[str, ...]:
        """The commits the refs lead to (what `--all` would walk), each once."""
        return tuple(dict.fromkeys(r.peeled for r in self.refs if r.peeled_kind == "commit"))

    @property
    def objects(self) -> tuple[str, ...]:
        """The objects the refs name directly (annotated tags included), each once."""
        return tuple(dict.fromkeys(r.oid for r in self.refs))

    @property
    def others(self) -> tuple[Ref, ...]:
        """Refs that lead to a tree or a blob, not a commit."""
        return tuple(r for r in self.refs if r.peeled_kind not in ("commit", ""))


def read_refs(git: Git) -> Refs:
    """Every ref and HEAD, with the type of what each names (see the module doc)."""
    listed = git.run("for-each-ref", "--format=%(objectname) %(refname)", check=False)
    if listed.returncode != 0:
        why = first_line(listed.stderr)
        return Refs((), (f"refs could not be read ({why}); every object in the store was scanned "
                         "instead, without knowing which refs reach it",), False)  # fmt: skip
    named: list[tuple[str, str]] = []
    for line in listed.stdout.splitlines():
        raw_oid, _, raw_name = line.partition(b" ")
        named.append((raw_oid.decode("ascii"), decode_path(raw_name)))
    head = git.run("rev-parse", "--verify", "--quiet", "HEAD", check=False)
    if head.returncode == 0 and head.stdout.strip():
        named.append((head.stdout.decode("ascii").strip(), "HEAD"))
    request = "".join(f"{oid}\n{oid}^{{}}\n" for oid, _ in named).encode()
    checked = git.run("cat-file", "--batch-check", input=request, check=False)
    answers = checked.stdout.decode("ascii", "replace").splitlines()
    refs: list[Ref] = []
    gaps: list[str] = []
    for index, (oid, name) in enumerate(named):
        direct = answers[2 * index].split() if 2 * index < len(answers) else []
        peeled = answers[2 * index + 1].split() if 2 * index + 1 < len(answers) else []
        if len(direct) != 3:
            gaps.append(f"{name} points to {oid[:12]}, which is not in the repository")
            continue
        if len(peeled) != 3:
            gaps.append(f"{name}: the object its tag points to is not in the repository")
            refs.append(Ref(name, oid, direct[1], "", ""))
            continue
        refs.append(Ref(name, oid, direct[1], peeled[0], peeled[1]))
    return Refs(tuple(refs), tuple(gaps), True)

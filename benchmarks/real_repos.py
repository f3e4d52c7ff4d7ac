"""Real public repositories as benchmark subjects, cloned once into a cache outside the project.

Each subject is a bare clone with every branch and tag (`git clone --bare`), or, for the
`-prs` subjects, a mirror with every ref the host serves (`git clone --mirror`: pull-request
heads and merges too, which is what a GitHub mirror scan meets). They are cloned from a local
directory of mirrors (`--mirrors DIR`, holding `owner+name/repo`, as this workplace's fetch
tool leaves them) or, without one, from github.com. Nothing is ever cloned into the project.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.peers import bench_dir


@dataclass(frozen=True)
class Subject:
    name: str
    github: str  # owner/name
    mirror: bool = False  # every ref the host serves, not only branches and tags


SUBJECTS = {
    s.name: s
    for s in (
        Subject("git", "git/git"),
        Subject("requests", "psf/requests"),
        Subject("flask", "pallets/flask"),
        # many merges (a pull-request workflow) and thousands of refs
        Subject("flask-prs", "pallets/flask", mirror=True),
    )
}


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], input=b"", capture_output=True, check=False)


def ensure(subject: Subject, mirrors: Path | None) -> Path:
    """The subject's clone in the cache, made on first use."""
    target = bench_dir() / "repos" / f"{subject.name}.git"
    if target.is_dir():
        return target
    local = mirrors / subject.github.replace("/", "+") / "repo" if mirrors else None
    source = str(local) if local is not None and local.is_dir() else None
    source = source or f"https://github.com/{subject.github}.git"
    target.parent.mkdir(parents=True, exist_ok=True)
    kind = "--mirror" if subject.mirror else "--bare"
    done = _git("clone", "-q", kind, "--no-local", source, str(target))
    if done.returncode != 0:
        raise SystemExit(f"error: cannot clone {source}: {done.stderr.decode().strip()}")
    return target


def unique_blob_bytes(repo: Path) -> int:
    """Bytes of every distinct blob any ref reaches (cached beside the clone)."""
    cache = repo.with_suffix(".blob-bytes.json")
    refs = _git("-C", str(repo), "for-each-ref", "--format=%(objectname)").stdout
    key = hashlib.sha256(refs).hexdigest()
    if cache.exists():
        stored = json.loads(cache.read_text())
        if stored.get("key") == key:
            return int(stored["bytes"])
    listing = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--objects", "--all", "--no-object-names",
         "--filter=object:type=blob", "--filter-provided-objects"],
        input=b"", capture_output=True, check=True,
    ).stdout  # fmt: skip
    sizes = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch-check=%(objectsize)"],
        input=listing, capture_output=True, check=True,
    ).stdout  # fmt: skip
    total = sum(int(line) for line in sizes.split())
    cache.write_text(json.dumps({"key": key, "bytes": total}))
    return total


@dataclass(frozen=True)
class Floor:
    wall_s: float
    cpu_s: float


def floor(repo: Path) -> Floor:
    """What reading every object once costs git alone: `cat-file --batch-all-objects --batch`,
    its output read and thrown away."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["git", "-C", str(repo), "cat-file", "--batch-all-objects", "--batch", "--unordered"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.close()
    errors = proc.stderr
    threading.Thread(target=errors.read, daemon=True).start()
    while proc.stdout.read(1 << 20):
        pass
    _, _, usage = os.wait4(proc.pid, 0)
    return Floor(time.perf_counter() - start, usage.ru_utime + usage.ru_stime)

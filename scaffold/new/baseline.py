"""The new repository's `.secrets.baseline`: detect-secrets over the staged files, finding nothing.

Computed in process with the settings `detect-secrets scan` uses by default (a second
interpreter would cost a third of the wizard's time budget), and across a few worker processes,
because detect-secrets is pure Python, line by line. A freshly generated tree must contain
nothing detect-secrets flags: a finding is a template bug and stops the wizard; it is never
silently written into the baseline.

Files already found clean (same detect-secrets version and settings, same path, same blob) are
remembered in scaffold's cache and not scanned again: services from one template share most of
their files, and the scan is most of the wizard's time.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.errors import ScaffoldError

BASELINE = ".secrets.baseline"
# Below this many files a process pool costs more than it saves.
_PARALLEL_FROM = 16
_MAX_WORKERS = 4


@dataclass(frozen=True, order=True)
class Flagged:
    """Where detect-secrets found something (never the value itself)."""

    path: str
    line: int
    kind: str


def _init_worker(settings: dict[str, Any]) -> None:
    # Ctrl-C is the parent's to handle: it tears the pool down and removes the staging tree
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from detect_secrets.settings import configure_settings_from_baseline

    configure_settings_from_baseline(settings)


def _scan_one(job: tuple[str, str]) -> list[Flagged]:
    from detect_secrets.core.scan import scan_file

    root, path = job
    return [Flagged(path, s.line_number, s.type) for s in scan_file(os.path.join(root, path))]


def staged_blobs(repo: Path) -> dict[str, str]:
    """path -> blob id of every staged file (what `detect-secrets scan` would look at)."""
    out = subprocess.run(
        ["git", "ls-files", "--stage", "-z"], cwd=repo, input=b"", capture_output=True, check=True
    ).stdout.decode("utf-8", errors="surrogateescape")
    blobs: dict[str, str] = {}
    for entry in filter(None, out.split("\0")):
        meta, _, path = entry.partition("\t")
        blobs[path] = meta.split()[1]
    return blobs


def _clean_cache(settings: dict[str, Any]) -> Path:
    from detect_secrets.__version__ import VERSION

    explicit = os.environ.get("SCAFFOLD_CACHE_DIR")
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = (
        Path(explicit) if explicit else (Path(xdg) if xdg else Path.home() / ".cache") / "scaffold"
    )
    key = json.dumps({"detect-secrets": VERSION, "settings": settings}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return root / "clean-files" / f"detect-secrets-{digest}.txt"


def _read_clean(cache: Path) -> set[str]:
    try:
        return set(cache.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return set()


def _remember_clean(cache: Path, entries: list[str]) -> None:
    if not entries:
        return
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with cache.open("a", encoding="utf-8") as out:  # appends of whole lines: no lock needed
            out.write("".join(f"{entry}\n" for entry in entries))
    except OSError:
        pass  # a cache that cannot be written only costs time


def scan(repo: Path, blobs: dict[str, str]) -> tuple[dict[str, Any], list[Flagged]]:
    """The baseline document for a clean tree, and whatever detect-secrets flagged in `blobs`."""
    from detect_secrets.core import baseline
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.main import parse_args
    from detect_secrets.settings import get_settings, transient_settings

    with transient_settings({}):  # restores detect-secrets' global settings afterwards
        parse_args(["scan", str(repo)])  # the CLI's default plugins and filters
        settings = get_settings().json()
        cache = _clean_cache(settings)
        known = _read_clean(cache)
        # a blob id names the content; with the path (filters look at names) it names the result
        todo = sorted(path for path, blob in blobs.items() if f"{blob} {path}" not in known)
        jobs = [(str(repo), path) for path in todo]
        workers = min(_MAX_WORKERS, os.cpu_count() or 1)
        if workers > 1 and len(jobs) >= _PARALLEL_FROM:
            with multiprocessing.Pool(workers, _init_worker, (settings,)) as pool:
                found = [f for chunk in pool.imap_unordered(_scan_one, jobs) for f in chunk]
        else:
            found = [f for job in jobs for f in _scan_one(job)]
        document: dict[str, Any] = baseline.format_for_output(SecretsCollection(root=str(repo)))
    flagged_paths = {f.path for f in found}
    _remember_clean(cache, [f"{blobs[p]} {p}" for p in todo if p not in flagged_paths])
    return document, sorted(found)


def write_baseline(repo: Path) -> Path:
    """Write `repo/.secrets.baseline` with no results, or fail naming what was flagged."""
    document, flagged = scan(repo, staged_blobs(repo))
    if flagged:
        where = ", ".join(f"{f.path}:{f.line} ({f.kind})" for f in flagged)
        raise ScaffoldError(f"the generated service contains potential secrets: {where}")
    target = repo / BASELINE
    target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return target

"""The new repository's `.secrets.baseline`: detect-secrets over the staged files, finding nothing.

Computed in process with the settings `detect-secrets scan` uses by default (a second
interpreter would cost a third of the wizard's time budget), and across a few worker processes,
because detect-secrets is pure Python, line by line. A freshly generated tree must contain
nothing detect-secrets flags: a finding is a template bug and stops the wizard; it is never
silently written into the baseline.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
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


def scan(repo: Path, files: list[str]) -> tuple[dict[str, Any], list[Flagged]]:
    """The baseline document for a clean tree, and whatever detect-secrets flagged in `files`."""
    from detect_secrets.core import baseline
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.main import parse_args
    from detect_secrets.settings import get_settings, transient_settings

    jobs = [(str(repo), path) for path in files]
    with transient_settings({}):  # restores detect-secrets' global settings afterwards
        parse_args(["scan", str(repo)])  # the CLI's default plugins and filters
        workers = min(_MAX_WORKERS, os.cpu_count() or 1)
        if workers > 1 and len(jobs) >= _PARALLEL_FROM:
            settings = get_settings().json()
            with multiprocessing.Pool(workers, _init_worker, (settings,)) as pool:
                found = [f for chunk in pool.imap_unordered(_scan_one, jobs) for f in chunk]
        else:
            found = [f for job in jobs for f in _scan_one(job)]
        document: dict[str, Any] = baseline.format_for_output(SecretsCollection(root=str(repo)))
    return document, sorted(found)


def write_baseline(repo: Path, files: list[str]) -> Path:
    """Write `repo/.secrets.baseline` with no results, or fail naming what was flagged."""
    document, flagged = scan(repo, files)
    if flagged:
        where = ", ".join(f"{f.path}:{f.line} ({f.kind})" for f in flagged)
        raise ScaffoldError(f"the generated service contains potential secrets: {where}")
    target = repo / BASELINE
    target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return target

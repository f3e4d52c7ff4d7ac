"""Write an adopt plan into the tree, remember how to put it back, and put it back on request."""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scaffold.adopt.plan import MANIFEST, Change
from scaffold.errors import RepositoryError, UsageError
from scaffold.scan.model import DEFAULT_BASELINE


def _git_dir(root: Path) -> Path:
    from scaffold.audit import gitio

    return gitio.open_repo(root).git_dir


def _hook(root: Path) -> Path:
    return _git_dir(root) / "hooks" / "pre-commit"


def _read(path: Path) -> str | None:
    try:
        return base64.b64encode(path.read_bytes()).decode()
    except OSError:
        return None


def write(root: Path, changes: Sequence[Change], baseline: dict[str, Any] | None) -> Path:
    """Apply every add and merge (a plan with conflicts is refused before this); returns the
    manifest `adopt --undo` reads."""
    if any(c.kind == "conflict" for c in changes):
        raise UsageError("refusing to write a plan with conflicts")
    manifest_path = _git_dir(root) / MANIFEST
    created_dirs: list[str] = []
    manifest: dict[str, Any] = {
        "added": [], "merged": {}, "dirs": created_dirs,
        "hook": _read(_hook(root)), "hook_existed": _hook(root).exists(),
    }  # fmt: skip
    writes = [c for c in changes if c.kind in ("add", "merge")]
    if baseline is not None and not (root / DEFAULT_BASELINE).exists():
        writes.append(Change(DEFAULT_BASELINE, "add", json.dumps(baseline, indent=2) + "\n"))
    for change in writes:
        target = root / change.path
        if change.kind == "merge":
            manifest["merged"][change.path] = _read(target)
        else:
            manifest["added"].append(change.path)
            missing = [p for p in reversed(target.parents) if not p.exists() and root in p.parents]
            created_dirs += [p.relative_to(root).as_posix() for p in missing]
    manifest_path.write_text(
        json.dumps(manifest, indent=1), encoding="utf-8"
    )  # first: undo can start
    for change in writes:
        target = root / change.path
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.adopt-tmp")
        temp.write_text(change.text, encoding="utf-8")
        if change.kind == "merge":
            os.chmod(temp, target.stat().st_mode)
        os.replace(temp, target)
    return manifest_path


def install_hooks(root: Path) -> str:
    """`pre-commit install` (an existing hook is kept by pre-commit as pre-commit.legacy);
    "" or why it failed."""
    from scaffold.adopt.tools import run_module

    return run_module("pre_commit", "install", cwd=root)[1]


def undo(path: Path) -> list[str]:
    """Put the tree back exactly as it was before adopt; returns what was done."""
    from scaffold.audit import gitio

    repo = gitio.open_repo(path)
    if repo.top_level is None:
        raise RepositoryError(f"{path}: not a work tree")
    root = repo.top_level
    manifest_path = repo.git_dir / MANIFEST
    if not manifest_path.is_file():
        raise UsageError(f"{root}: nothing to undo (adopt has not run here, or was undone)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    done = []
    for rel in manifest["added"]:
        (root / rel).unlink(missing_ok=True)
        done.append(f"removed {rel}")
    for rel, original in manifest["merged"].items():
        if original is not None:
            (root / rel).write_bytes(base64.b64decode(original))
            done.append(f"restored {rel}")
    for rel in sorted(manifest["dirs"], key=len, reverse=True):
        with contextlib.suppress(OSError):  # something else lives there now
            (root / rel).rmdir()
    hook = repo.git_dir / "hooks" / "pre-commit"
    legacy = hook.with_name("pre-commit.legacy")
    if manifest["hook"] is not None:
        hook.write_bytes(base64.b64decode(manifest["hook"]))
        legacy.unlink(missing_ok=True)
    elif not manifest["hook_existed"]:
        hook.unlink(missing_ok=True)
    done.append("pre-commit hook put back")
    manifest_path.unlink()
    return done

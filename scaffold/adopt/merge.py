"""Merging adopt's files into ones a repository already has: lines added, nothing replaced."""

from __future__ import annotations

import difflib
import re

import yaml

MARK = "# Added by scaffold adopt"


def merge_gitignore(existing: str, ours: str) -> str | None:
    """Existing text plus the lines of ours it lacks, as one block at the end (None: nothing
    to add). Keeping our lines together lets `copier update` patch them later."""
    have = {line.strip() for line in existing.splitlines()}
    missing = [line for line in ours.splitlines() if line.strip() and line.strip() not in have]
    if not [line for line in missing if not line.startswith("#")]:
        return None
    block = [line for line in ours.splitlines() if line.strip() in {m.strip() for m in missing}]
    head = existing if existing.endswith("\n") or not existing else existing + "\n"
    return head + ("\n" if head.strip() else "") + "\n".join(block) + "\n"


def _hook_ids(config: object) -> set[str]:
    ids: set[str] = set()
    if isinstance(config, dict):
        for repo in config.get("repos") or []:
            if isinstance(repo, dict):
                ids |= {str(h.get("id")) for h in repo.get("hooks") or [] if isinstance(h, dict)}
    return ids


def merge_precommit(existing: str, ours: str) -> str | None:
    """Existing config with our repositories appended to its `repos:` list (None: all our hooks
    are there already). Raises ValueError when the existing file cannot be merged safely."""
    try:
        have = yaml.safe_load(existing) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"it is not valid YAML ({exc})") from None
    if not isinstance(have, dict) or not isinstance(have.get("repos"), list):
        raise ValueError("it has no `repos:` list to add to")
    if _hook_ids(yaml.safe_load(ours)) <= _hook_ids(have):
        return None
    lines = existing.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(r"^repos:\s*$", line)), None)
    if start is None:
        raise ValueError("its `repos:` is not a block list")
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(r"^[A-Za-z_]", lines[i])), len(lines)
    )
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    items = [line for line in lines[start + 1 : end] if line.lstrip().startswith("- ")]
    indent = (len(items[0]) - len(items[0].lstrip())) if items else 2
    block = ours.splitlines()[1:]  # our file is "repos:" then its items, indented by two
    delta = indent - 2
    shifted = [
        (" " * delta + line if delta >= 0 else line[-delta:]) if line.strip() else line
        for line in block
    ]
    merged = [*lines[:end], *shifted, *lines[end:]]
    text = "\n".join(merged) + "\n"
    try:
        check = yaml.safe_load(text)  # never write a config pre-commit cannot read
    except yaml.YAMLError as exc:
        raise ValueError(f"merging would not give valid YAML ({exc})") from None
    if _hook_ids(yaml.safe_load(ours)) - _hook_ids(check):
        raise ValueError("the merged file would not hold every hook")
    return text


def diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True),
            fromfile=f"a/{path}", tofile=f"b/{path}",
        )
    )  # fmt: skip

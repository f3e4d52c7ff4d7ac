"""Load the checks (checks/*.toml) into Check records, refusing any malformed entry."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

from scaffold.audit.model import LEVELS, Check, Example, Scope, Status
from scaffold.errors import ScaffoldError

_REQUIRED = ("id", "title", "level", "item", "evaluator", "how", "passing", "fix", "link")


def _example(raw: Any, where: str) -> Example:
    if not isinstance(raw, dict) or "expect" not in raw:
        raise ScaffoldError(f"{where}: an example needs `expect` and `files`")
    files = raw.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise ScaffoldError(f"{where}: example files must map paths to text")
    return Example(dict(files), Status(raw["expect"]), str(raw.get("at", "")))


def _check(raw: Any, source: str) -> Check:
    from scaffold.audit.evaluators import EVALUATORS

    if not isinstance(raw, dict):
        raise ScaffoldError(f"{source}: every [[check]] must be a table")
    missing = [k for k in _REQUIRED if k not in raw]
    where = f"{source}: check {raw.get('id', '?')}"
    if missing:
        raise ScaffoldError(f"{where} lacks {', '.join(missing)}")
    if raw["level"] not in LEVELS:
        raise ScaffoldError(f"{where}: level must be one of {sorted(LEVELS)}")
    source_kind = str(raw.get("source", "files"))
    if source_kind == "files" and raw["evaluator"] not in EVALUATORS:
        raise ScaffoldError(f"{where}: unknown evaluator {raw['evaluator']}")
    examples = tuple(_example(e, where) for e in raw.get("example", []))
    return Check(
        id=str(raw["id"]),
        title=str(raw["title"]),
        level=int(raw["level"]),
        scope=Scope(raw.get("scope", "repository")),
        item=str(raw["item"]),
        evaluator=str(raw["evaluator"]),
        how=str(raw["how"]),
        passing=str(raw["passing"]),
        fix=str(raw["fix"]),
        link=str(raw["link"]),
        source=source_kind,
        examples=examples,
    )


@functools.cache
def load_checks() -> tuple[Check, ...]:
    """Every packaged check, in file then declaration order; ids are unique."""
    found: list[Check] = []
    folder = resources.files("scaffold.audit") / "checks"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        try:
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ScaffoldError(f"{entry.name}: {exc}") from exc
        found += [_check(raw, entry.name) for raw in data.get("check", [])]
    ids = [c.id for c in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ScaffoldError(f"duplicate check ids: {', '.join(duplicates)}")
    return tuple(sorted(found, key=lambda c: (c.level, c.scope != Scope.REPOSITORY, c.id)))

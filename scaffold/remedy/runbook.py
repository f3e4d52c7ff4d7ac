"""Rotation runbooks as data (scaffold/remedy/runbooks/*.toml): load, resolve, render.

Each file serves the rule providers it names (or rule ids, for a runbook narrower than its
provider); every other rule gets generic.toml. Steps hold placeholders ({key_id}, {user},
{login}...) that `render` fills from the finding, its verification and the repository.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from scaffold.errors import ScaffoldError

SECTIONS = ("contain", "managed", "replace", "rollout", "revoke", "audit")
_KEYS = frozenset({"providers", "rules", "title", "references", *SECTIONS})
GENERIC = "generic"


class RunbookError(ScaffoldError):
    """A runbook file is broken (a bug in scaffold's data)."""


@dataclass(frozen=True)
class Runbook:
    id: str  # the file's stem
    title: str
    providers: tuple[str, ...]
    rules: tuple[str, ...]
    contain: tuple[str, ...]  # only when the secret may be live: stop the damage first
    managed: tuple[str, ...]
    replace: tuple[str, ...]
    rollout: tuple[str, ...]
    revoke: tuple[str, ...]
    audit: tuple[str, ...]
    references: tuple[str, ...] = ()


def _strings(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RunbookError(f"{where}: `{key}` must be a list of strings")
    return tuple(value)


def parse_runbook(name: str, text: str) -> Runbook:
    where = f"scaffold/remedy/runbooks/{name}.toml"
    raw = tomllib.loads(text)
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise RunbookError(f"{where}: unknown key(s) {', '.join(unknown)}")
    title = raw.get("title")
    if not isinstance(title, str) or not title:
        raise RunbookError(f"{where}: needs a title")
    sections = {key: _strings(raw, key, where) for key in SECTIONS}
    for key in ("managed", "replace", "rollout", "revoke", "audit"):
        if not sections[key]:
            raise RunbookError(f"{where}: needs at least one `{key}` step")
    return Runbook(
        id=name,
        title=title,
        providers=_strings(raw, "providers", where),
        rules=_strings(raw, "rules", where),
        references=_strings(raw, "references", where),
        **sections,
    )


@cache
def runbooks() -> dict[str, Runbook]:
    folder = resources.files("scaffold") / "remedy" / "runbooks"
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            name = entry.name.removesuffix(".toml")
            found[name] = parse_runbook(name, entry.read_text(encoding="utf-8"))
    if GENERIC not in found:
        raise RunbookError("scaffold/remedy/runbooks/generic.toml is missing")
    return found


def resolve(rule_id: str, provider: str) -> Runbook:
    """The runbook for a rule: one naming the rule, else its provider's, else the generic one."""
    books = runbooks()
    for book in books.values():
        if rule_id in book.rules:
            return book
    for book in books.values():
        if provider in book.providers:
            return book
    return books[GENERIC]


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"<{key.replace('_', '-')}>"


_FIELD = re.compile(r"\{([a-z_]+)\}")


def fill(step: str, values: Mapping[str, str]) -> str:
    """A step with its placeholders filled; unknown ones become <name> for the reader."""
    known = _Values({k: v for k, v in values.items() if v})
    return _FIELD.sub(lambda m: known[m.group(1)], step)


def fields(books: Sequence[Runbook]) -> set[str]:
    """Every placeholder the runbooks use (a test checks each is one `render` fills)."""
    used: set[str] = set()
    for book in books:
        for key in SECTIONS:
            for step in getattr(book, key):
                used.update(_FIELD.findall(step))
        used.update(_FIELD.findall(book.title))
    return used

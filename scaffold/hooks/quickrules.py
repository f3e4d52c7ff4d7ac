"""A Detector that starts fast for a small commit: cached rules, only the rules the change needs.

Loading the rules parses every TOML file and compiles every pattern (hundreds of regexes): most
of a commit-time hook's run. Two shortcuts, both exact:

- the parsed RuleSet comes from its pickle (scaffold/scan/rulecache.py);
- a content rule only runs when one of its lowercase keywords occurs in the content, so rules
  none of whose keywords occur anywhere in the staged bytes are left out of the Detector and
  their patterns are never compiled. Rules applied to decoded values (Kubernetes Secret data)
  see bytes that are not in the raw content: when any of those rules' keywords occur, the full
  rule set is used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scaffold.scan.rulecache import cached_ruleset

if TYPE_CHECKING:
    from scaffold.scan.model import Match
    from scaffold.scan.rules import RuleSet


def needed(ruleset: RuleSet, contents: Iterable[bytes]) -> RuleSet:
    """The rules that can fire on `contents` (see the module doc); the same results, fewer
    patterns to compile."""
    from scaffold.scan.rules import RuleSet

    lowered = [c.lower() for c in contents]

    def present(keywords: tuple[str, ...]) -> bool:
        return any(k.encode() in c for k in keywords for c in lowered)

    if any(r.scope != "content" and present(r.keywords) for r in ruleset.rules):
        return ruleset
    kept = tuple(r for r in ruleset.rules if r.scope != "content" or present(r.keywords))
    ids = hashlib.sha256("\0".join(r.id for r in kept).encode()).hexdigest()[:16]
    return RuleSet(rules=kept, version=f"{ruleset.version}-{ids}")


class Matcher(Protocol):
    """What the hook needs from a Detector."""

    engine_name: str

    def scan(self, data: bytes) -> list[Match]: ...


class NothingToMatch:
    """No rule's keywords occur in the change: no rule can fire, nothing to compile."""

    def __init__(self, engine_name: str) -> None:
        self.engine_name = engine_name

    def scan(self, data: bytes) -> list[Match]:
        return []


def detector_for(
    contents: Sequence[bytes], extra: Sequence[Path] = (), engine: str = "python"
) -> tuple[Matcher, RuleSet]:
    """A matcher for these contents, and the full RuleSet (for rule metadata in reports).

    Only the pure-Python engine is narrowed: Hyperscan's compiled database is cached whole.
    """
    from scaffold.scan.detect import Detector

    ruleset = cached_ruleset(extra)
    if engine != "python":
        return Detector(ruleset, engine=engine), ruleset
    narrowed = needed(ruleset, contents)
    if not any(r.scope == "content" for r in narrowed.rules):
        # decoded-value rules only run inside a Kubernetes Secret, which holds their keyword
        # ("secret") and so would have kept every rule: here nothing can match
        return NothingToMatch(engine), ruleset
    return Detector(narrowed, engine=engine), ruleset

"""A Detector that starts fast for a small commit: cached rules, only the rules the change needs.

Loading the rules parses every TOML file and compiles every pattern (hundreds of regexes): most
of a commit-time hook's run. Two shortcuts, both exact:

- the parsed RuleSet is pickled under the cache directory, keyed by a hash of every file in the
  rules folder, the extra rule files and the rule loader's own source, so any change misses;
- a content rule only runs when one of its lowercase keywords occurs in the content, so rules
  none of whose keywords occur anywhere in the staged bytes are left out of the Detector and
  their patterns are never compiled. Rules applied to decoded values (Kubernetes Secret data)
  see bytes that are not in the raw content: when any of those rules' keywords occur, the full
  rule set is used.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scaffold.paths import cache_root

if TYPE_CHECKING:
    from scaffold.scan.model import Match
    from scaffold.scan.rules import RuleSet


def _key(extra: Sequence[Path]) -> str:
    from scaffold.scan import rules as rules_module

    digest = hashlib.sha256(Path(rules_module.__file__).read_bytes())
    folder = resources.files("scaffold") / "rules"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_file():
            digest.update(f"\0{entry.name}\0".encode() + entry.read_bytes())
    for path in extra:
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                digest.update(f"\0{file}\0".encode() + file.read_bytes())
    return digest.hexdigest()[:32]


def cached_ruleset(extra: Sequence[Path] = ()) -> RuleSet:
    """`load_rules(extra)`, from a pickle when nothing it depends on has changed."""
    from scaffold.scan.rules import RuleSet, load_rules

    path = cache_root() / f"ruleset-{_key(extra)}.pickle"
    try:
        cached = pickle.loads(path.read_bytes())
        if isinstance(cached, RuleSet):
            return cached
    except Exception:  # absent, truncated or from another version: load afresh
        pass
    ruleset = load_rules(extra)  # validates every rule, raises one clear RuleError
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(ruleset, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, path)
    except OSError:
        pass  # a read-only cache costs the next run a full load, nothing more
    return ruleset


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

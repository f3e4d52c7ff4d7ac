"""Which rules could match a piece of content: the C-speed pass before any Python regex runs.

Two engines answer the same question. Both require one of a rule's keywords (case-insensitive);
the Hyperscan engine also requires the rule's pattern to match somewhere (prefilter mode: it may
say yes too often, never too rarely). Python's `re` then finds the actual matches, so both engines
report exactly the same thing.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from typing import Any, Protocol

from scaffold.errors import ScaffoldError, UsageError
from scaffold.paths import cache_root
from scaffold.scan.rules import Rule, RuleError

ENGINES = ("auto", "hyperscan", "python")
# Hyperscan compiles large bounded repeats slowly (a PEM body's {64,12000} takes seconds) and
# refuses the largest. The prefilter may over-approximate, so such repeats become unbounded.
LARGE_REPEAT = re.compile(r"\{(\d+),(\d+)\}")
REPEAT_LIMIT = 200


def relaxed(pattern: str) -> str:
    """`pattern` with every {m,n} where n > REPEAT_LIMIT widened to {m,}: matches a superset."""
    return LARGE_REPEAT.sub(
        lambda m: m.group(0) if int(m.group(2)) <= REPEAT_LIMIT else f"{{{m.group(1)},}}", pattern
    )


# Rule indices worth running the regex for, and where each keyword that occurs starts (every
# occurrence, sorted), or None if the engine did not collect positions.
Candidates = tuple[list[int], dict[str, list[int]] | None]


class Prefilter(Protocol):
    name: str

    def candidates(self, data: bytes) -> Candidates:
        """The rules (indices into the rules given at construction) that may match `data`."""
        ...


def _keyword_table(rules: Sequence[Rule]) -> tuple[list[bytes], list[tuple[int, ...]]]:
    keywords: dict[bytes, int] = {}
    per_rule = []
    for rule in rules:
        per_rule.append(
            tuple(keywords.setdefault(k.encode(), len(keywords)) for k in rule.keywords)
        )
    return list(keywords), per_rule


class PythonPrefilter:
    """Keywords found in the lowercased content by one Aho-Corasick pass (pyahocorasick, in C).

    Without pyahocorasick, each keyword is searched on its own with `bytes.__contains__`.
    """

    name = "python"

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._keywords, per_rule = _keyword_table(rules)
        self._rules_of: list[list[int]] = [[] for _ in self._keywords]
        for rule_index, keyword_indices in enumerate(per_rule):
            for keyword_index in keyword_indices:
                self._rules_of[keyword_index].append(rule_index)
        self._automaton: Any = None
        try:
            import ahocorasick
        except ImportError:
            return
        automaton = ahocorasick.Automaton()
        for index, keyword in enumerate(self._keywords):
            automaton.add_word(keyword.decode("ascii"), index)
        automaton.make_automaton()
        self._automaton = automaton

    def candidates(self, data: bytes) -> Candidates:
        lowered, rules = data.lower(), self._rules_of
        if self._automaton is None:
            present = [k for k, keyword in enumerate(self._keywords) if keyword in lowered]
            return sorted({rule for k in present for rule in rules[k]}), None
        positions: dict[int, list[int]] = {}
        # latin-1 maps each byte to one character: offsets and ASCII keywords line up.
        for last, index in self._automaton.iter(lowered.decode("latin-1")):
            positions.setdefault(index, []).append(last + 1 - len(self._keywords[index]))
        found = sorted({rule for k in positions for rule in rules[k]})
        return found, {self._keywords[k].decode(): at for k, at in positions.items()}


class HyperscanPrefilter:
    """All patterns and keywords in one Hyperscan database, scanned once per content."""

    name = "hyperscan"

    def __init__(self, rules: Sequence[Rule], version: str) -> None:
        import hyperscan

        self._hs: Any = hyperscan
        self._keywords, self._per_rule = _keyword_table(rules)
        self._count = len(rules)
        self._db = self._database(rules, version)
        self._scratch = hyperscan.Scratch(self._db)

    def _expressions(self, rules: Sequence[Rule]) -> tuple[list[bytes], list[int]]:
        hs = self._hs
        single = hs.HS_FLAG_SINGLEMATCH
        expressions = [relaxed(rule.pattern).encode() for rule in rules]
        flags = [hs.HS_FLAG_PREFILTER | single] * len(rules)
        expressions += [re.escape(k) for k in self._keywords]
        # One report per keyword: whether it occurs is all the prefilter needs. Reporting every
        # occurrence cost a Python callback each (a million on a 600 MB history); the lines of the
        # few candidate rules' keywords are found afterwards, by the same search the Python
        # engine uses, so both engines still see the same lines.
        flags += [hs.HS_FLAG_CASELESS | single] * len(self._keywords)
        return expressions, flags

    def _compile(self, rules: Sequence[Rule]) -> Any:
        hs = self._hs
        expressions, flags = self._expressions(rules)
        db = hs.Database(mode=hs.HS_MODE_BLOCK)
        try:
            db.compile(
                expressions=expressions,
                ids=list(range(len(expressions))),
                elements=len(expressions),
                flags=flags,
            )
        except hs.error:
            _raise_for_rejected(rules)
            raise
        return db

    def _database(self, rules: Sequence[Rule], version: str) -> Any:
        hs = self._hs
        # Keyed by what is compiled, not only by the rule set: a change in how patterns are
        # handed to Hyperscan must never load a stale database.
        expressions, flags = self._expressions(rules)
        key = hashlib.sha256(repr((version, expressions, flags)).encode()).hexdigest()[:32]
        path = cache_root() / f"hyperscan-{key}.db"
        try:
            return hs.loadb(path.read_bytes(), hs.HS_MODE_BLOCK)
        except (OSError, hs.error):
            pass  # absent, stale or from another Hyperscan build: compile afresh
        db = self._compile(rules)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(hs.dumpb(db))
            os.replace(partial, path)
        except OSError:
            pass  # a read-only cache only costs the next process a compile
        return db

    def candidates(self, data: bytes) -> Candidates:
        hits: set[int] = set()
        present: set[int] = set()
        count = self._count

        def on_match(expression: int, start: int, end: int, flags: int, context: Any) -> None:
            if expression < count:
                hits.add(expression)
            else:
                present.add(expression - count)

        try:
            self._db.scan(data, match_event_handler=on_match, scratch=self._scratch)
        except self._hs.ScratchInUseError:
            # Another thread is scanning with this Detector: it gets a scratch of its own.
            hits.clear()
            present.clear()
            self._db.scan(data, match_event_handler=on_match, scratch=self._scratch.clone())
        # Work in proportion to the hits, not to the number of rules: most content hits nothing.
        found = sorted(hit for hit in hits if not present.isdisjoint(self._per_rule[hit]))
        return found, None  # keyword lines are searched for the candidates only


def _raise_for_rejected(rules: Sequence[Rule]) -> None:
    """Find the rule Hyperscan refuses, to name it (and its file) in the error."""
    import hyperscan as hs

    for rule in rules:
        db = hs.Database(mode=hs.HS_MODE_BLOCK)
        try:
            db.compile(
                expressions=[relaxed(rule.pattern).encode()],
                ids=[0],
                elements=1,
                flags=[hs.HS_FLAG_PREFILTER | hs.HS_FLAG_SINGLEMATCH],
            )
        except hs.error as exc:
            message = f"{rule.source}: rule {rule.id}: Hyperscan rejects pattern: {exc}"
            raise RuleError(message) from None


def hyperscan_available() -> bool:
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_engine(engine: str) -> str:
    """The engine `engine` ("auto", "hyperscan" or "python") stands for here."""
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    if engine == "python" or (engine == "auto" and not hyperscan_available()):
        return "python"
    if not hyperscan_available():
        raise ScaffoldError(
            "engine 'hyperscan' needs the hyperscan package (pip install hyperscan)"
        )
    return "hyperscan"


def make_prefilter(rules: Sequence[Rule], version: str, engine: str) -> Prefilter:
    if resolve_engine(engine) == "python":
        return PythonPrefilter(rules)
    return HyperscanPrefilter(rules, version)

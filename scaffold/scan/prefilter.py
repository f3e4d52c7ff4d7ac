"""Which rules could match a piece of content: the C-speed pass before any Python regex runs.

Two engines answer the same question. Both require one of a rule's keywords (case-insensitive):
the Python engine in the content, and both on the line a single-line rule is searched on. The
Hyperscan engine also requires the rule's pattern to match somewhere (prefilter mode: it may say
yes too often, never too rarely). Python's `re` then finds the actual matches, so both engines
report exactly the same thing.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

from scaffold.errors import ScaffoldError, UsageError
from scaffold.paths import cache_root
from scaffold.scan.rules import Rule, RuleError

ENGINES = ("auto", "hyperscan", "python")
# Hyperscan compiles large bounded repeats slowly (a PEM body's {64,12000} takes seconds) and
# refuses the largest. The prefilter may over-approximate, so such repeats become unbounded.
LARGE_REPEAT = re.compile(r"\{(\d+),(\d+)\}")
REPEAT_LIMIT = 200
# Ends of pattern matches listed per content before the Hyperscan engine gives up listing them
# (plus one per KiB of content): each costs a Python callback.
DENSE_ENDS = 4096


# A leading anchor, and the blanks after it, dropped from what Hyperscan runs: a match of the
# rest ends where a match of the whole pattern ends, so the ends reported are a superset. An
# anchored pattern costs Hyperscan a search from every line start: pgpass-password's alone
# took as long as the whole keyword set, and dropping these cut the database's time by a third
# (requests' blobs).
LEADING_ANCHOR = re.compile(r"^(\(\?[a-zA-Z]+\))?(?:\^|\\A)(?:\[ \\t\]\*)?(?![*+?{])")


def relaxed(pattern: str) -> str:
    """What the prefilter runs for `pattern`, matching a superset and reporting the same match
    ends: every {m,n} where n > REPEAT_LIMIT widened to {m,}, and a leading anchor dropped."""
    widened = LARGE_REPEAT.sub(
        lambda m: m.group(0) if int(m.group(2)) <= REPEAT_LIMIT else f"{{{m.group(1)},}}", pattern
    )
    return LEADING_ANCHOR.sub(lambda m: m.group(1) or "", widened, count=1)


class Candidates(NamedTuple):
    """What a prefilter says of one piece of content."""

    rules: list[int]  # indices of the rules worth running the regex for
    # where each keyword that occurs starts (every occurrence, sorted), or None: not collected
    keywords: dict[str, list[int]] | None
    probes: frozenset[int]  # which probes (exact, case-sensitive byte strings) occur
    # per candidate rule matched line by line: every offset where a match of its (relaxed)
    # pattern ends, in order; None: not collected, the keyword lines are to be searched
    ends: dict[int, list[int]] | None = None


class Prefilter(Protocol):
    name: str

    def candidates(self, data: bytes) -> Candidates:
        """The rules (indices into the rules given at construction) that may match `data`,
        and the probes (indices into those given at construction) that occur in it."""
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

    def __init__(self, rules: Sequence[Rule], probes: Sequence[bytes] = ()) -> None:
        self._probes = tuple(probes)
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
        probes = frozenset(i for i, probe in enumerate(self._probes) if probe in data)
        if self._automaton is None:
            present = [k for k, keyword in enumerate(self._keywords) if keyword in lowered]
            return Candidates(sorted({rule for k in present for rule in rules[k]}), None, probes)
        positions: dict[int, list[int]] = {}
        # latin-1 maps each byte to one character: offsets and ASCII keywords line up.
        for last, index in self._automaton.iter(lowered.decode("latin-1")):
            positions.setdefault(index, []).append(last + 1 - len(self._keywords[index]))
        found = sorted({rule for k in positions for rule in rules[k]})
        keywords = {self._keywords[k].decode(): at for k, at in positions.items()}
        return Candidates(found, keywords, probes)


class HyperscanPrefilter:
    """All patterns in one Hyperscan database, scanned once per content.

    The keywords are not in it: a rule matched line by line is only searched on lines that
    hold one of its keywords (what `_lines_ending` and the keyword lines check), so a keyword
    anywhere else in the content adds nothing, and only a rule matched on the whole content
    (multiline) has its keywords looked for, in the content, when its pattern matched. Leaving
    them out took a fifth off the database's time on requests' blobs, and a Python callback per
    keyword found.

    The patterns of rules matched line by line report every end of a match, so only the lines
    those ends fall on are searched again in Python, not every line holding a keyword (on a
    history, most `http` lines hold no URL with a password). Content where a pattern matches
    densely (a minified bundle) would cost a Python callback per match: past a bound the scan
    stops and is redone with a database reporting each pattern once, whose candidates are then
    searched keyword line by keyword line, as the Python engine does.
    """

    name = "hyperscan"

    def __init__(self, rules: Sequence[Rule], version: str, probes: Sequence[bytes] = ()) -> None:
        import hyperscan

        self._hs: Any = hyperscan
        self._rules = tuple(rules)
        self._version = version
        self._keywords = [tuple(k.encode() for k in rule.keywords) for rule in rules]
        self._probes = tuple(probes)
        self._count = len(rules)
        self._db = self._database(every_end=True)
        self._scratch = hyperscan.Scratch(self._db)
        # (database, scratch) reporting each pattern once: loaded the first time it is needed
        self._once: tuple[Any, Any] | None = None

    def _expressions(self, every_end: bool) -> tuple[list[bytes], list[int]]:
        hs = self._hs
        single = hs.HS_FLAG_SINGLEMATCH
        expressions = [relaxed(rule.pattern).encode() for rule in self._rules]
        flags = [
            hs.HS_FLAG_PREFILTER | (0 if every_end and not rule.multiline else single)
            for rule in self._rules
        ]
        # The probes ride the same pass: one scan of the content instead of one search each.
        expressions += [re.escape(probe) for probe in self._probes]
        flags += [single] * len(self._probes)
        return expressions, flags

    def _compile(self, expressions: list[bytes], flags: list[int]) -> Any:
        hs = self._hs
        db = hs.Database(mode=hs.HS_MODE_BLOCK)
        try:
            db.compile(
                expressions=expressions,
                ids=list(range(len(expressions))),
                elements=len(expressions),
                flags=flags,
            )
        except hs.error:
            _raise_for_rejected(self._rules)
            raise
        return db

    def _database(self, every_end: bool) -> Any:
        hs = self._hs
        # Keyed by what is compiled, not only by the rule set: a change in how patterns are
        # handed to Hyperscan must never load a stale database.
        expressions, flags = self._expressions(every_end)
        key = hashlib.sha256(repr((self._version, expressions, flags)).encode()).hexdigest()
        path = cache_root() / f"hyperscan-{key[:32]}.db"
        try:
            return hs.loadb(path.read_bytes(), hs.HS_MODE_BLOCK)
        except (OSError, hs.error):
            pass  # absent, stale or from another Hyperscan build: compile afresh
        db = self._compile(expressions, flags)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(hs.dumpb(db))
            os.replace(partial, path)
        except OSError:
            pass  # a read-only cache only costs the next process a compile
        return db

    def _scan(self, db: Any, scratch: Any, data: bytes, on_match: Any) -> None:
        """Scan `data`; a scratch busy in another thread's scan is cloned for this one (the
        scratch is refused before any match is reported)."""
        try:
            db.scan(data, match_event_handler=on_match, scratch=scratch)
        except self._hs.ScratchInUseError:
            db.scan(data, match_event_handler=on_match, scratch=scratch.clone())

    def candidates(self, data: bytes) -> Candidates:
        hits: dict[int, list[int]] = {}
        probes: set[int] = set()
        count = self._count
        bound = DENSE_ENDS + len(data) // 1024
        seen = [0]

        def on_match(expression: int, start: int, end: int, flags: int, context: Any) -> bool:
            if expression < count:
                ends = hits.get(expression)
                if ends is None:
                    hits[expression] = [end]
                else:
                    ends.append(end)
                    seen[0] += 1
                    return seen[0] > bound  # True stops the scan: too dense to list
            else:
                probes.add(expression - count)
            return False

        collected: dict[int, list[int]] | None = hits
        try:
            self._scan(self._db, self._scratch, data, on_match)
        except self._hs.ScanTerminated:
            hits.clear()
            probes.clear()
            if self._once is None:
                once = self._database(every_end=False)
                self._once = (once, self._hs.Scratch(once))
            collected = None  # it reports each pattern once, so the bound is never reached
            once_db, once_scratch = self._once
            self._scan(once_db, once_scratch, data, on_match)
        # Work in proportion to the hits, not to the number of rules: most content hits nothing.
        rules, lowered = self._rules, None
        found = []
        for hit in sorted(hits):
            if rules[hit].multiline:  # searched on the whole content: its keywords must be in it
                lowered = data.lower() if lowered is None else lowered
                if not any(keyword in lowered for keyword in self._keywords[hit]):
                    continue
            found.append(hit)
        if collected is not None:
            collected = {rule: collected[rule] for rule in found if not rules[rule].multiline}
        return Candidates(found, None, frozenset(probes), collected)


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


def make_prefilter(
    rules: Sequence[Rule], version: str, engine: str, probes: Sequence[bytes] = ()
) -> Prefilter:
    if resolve_engine(engine) == "python":
        return PythonPrefilter(rules, probes)
    return HyperscanPrefilter(rules, version, probes)

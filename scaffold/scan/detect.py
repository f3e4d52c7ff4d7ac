"""The matcher: content in, filtered and validated Matches out (same result for every engine)."""

from __future__ import annotations

import bisect
import fnmatch
import re
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from scaffold.scan import filters, public
from scaffold.scan.decoders import (
    MANIFEST_PROBES,
    SQL_INSERT_PROBES,
    EncodedValue,
    kubernetes_secret_values,
    sql_password_values,
)
from scaffold.scan.model import Confidence, Match, Validation
from scaffold.scan.prefilter import Candidates, make_prefilter
from scaffold.scan.rules import Rule, RuleSet
from scaffold.scan.validators import VALIDATORS

# How much of a long line the line-level heuristics look at around a secret.
LINE_WINDOW = 400


# Which rules (by scope) judge the values of each decoder section.
DECODED_SCOPES = {
    "data": "kubernetes-data",
    "stringData": "kubernetes-stringdata",
    "sql": "sql-password",
}


class _Lines:
    """Line bounds and numbers for offsets, found with C-speed searches only when needed."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._line = (0, -1, -1)  # previous line start, line start, line end of the last lookup
        self._counted = (0, 1)  # an offset and the line number there, to count on from

    def bounds(self, offset: int) -> tuple[int, int, int]:
        """Start of the previous line, start and end of the line holding `offset`."""
        if self._line[1] <= offset <= self._line[2]:
            return self._line  # candidates come in order: often the same (maybe huge) line
        data = self._data
        start = data.rfind(b"\n", 0, offset) + 1
        end = data.find(b"\n", offset)
        previous = data.rfind(b"\n", 0, start - 1) + 1 if start else 0
        self._line = (previous, start, len(data) if end < 0 else end)
        return self._line

    def around(self, offset: int, lines: int) -> bytes:
        """The line holding `offset` and up to `lines` lines before and after it."""
        data, (_, start, end) = self._data, self.bounds(offset)
        for _ in range(lines):
            if start <= 0:
                break
            start = data.rfind(b"\n", 0, start - 1) + 1
        for _ in range(lines):
            if end >= len(data):
                break
            following = data.find(b"\n", end + 1)
            end = len(data) if following < 0 else following
        return data[start:end]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and byte column of `offset`; cheapest when asked in offset order."""
        at, number = self._counted
        if offset < at:
            at, number = 0, 1
        number += self._data.count(b"\n", at, offset)
        self._counted = (offset, number)
        return number, offset - self.bounds(offset)[1] + 1


class _KeywordLines:
    """The lines of some content that hold a keyword: where single-line rules need to look.

    Each engine reports every occurrence of every keyword (or none, and they are searched here),
    so the lines, and hence the matches, are the same whichever engine found them.
    """

    def __init__(self, data: bytes, found: dict[str, list[int]] | None) -> None:
        self._data = data
        self._lowered: bytes | None = None
        # Keyword positions the engine already collected: every occurrence of every keyword
        # that occurs, so a keyword missing from them does not occur.
        self._known = found is not None
        self._found: dict[str, list[int]] = found or {}
        self._lines: dict[str, list[tuple[int, int]]] = {}  # per keyword, shared by rules

    def _keyword_lines(self, keyword: str) -> list[tuple[int, int]]:
        """(start, end) of each line holding `keyword`. Searching resumes after each such
        line, so a keyword that occurs many times on one (long) line costs one search."""
        spans = self._lines.get(keyword)
        if spans is not None:
            return spans
        data, spans = self._data, []
        size = len(data)
        if self._known:
            end = -1
            for at in self._found.get(keyword, []):
                if at > end:
                    end = data.find(b"\n", at)
                    end = size if end < 0 else end
                    spans.append((data.rfind(b"\n", 0, at) + 1, end))
        else:
            if self._lowered is None:
                self._lowered = data.lower()
            lowered, needle = self._lowered, keyword.encode()
            at = lowered.find(needle)
            while at >= 0:
                end = data.find(b"\n", at)
                end = size if end < 0 else end
                spans.append((data.rfind(b"\n", 0, at) + 1, end))
                at = lowered.find(needle, end + 1) if end < size else -1
        self._lines[keyword] = spans
        return spans

    def lines(self, keywords: tuple[str, ...]) -> list[tuple[int, int]]:
        """(start, end) of each line holding one of `keywords`, end excluding the newline."""
        if len(keywords) == 1:
            return self._keyword_lines(keywords[0])
        return sorted({span for k in keywords for span in self._keyword_lines(k)})


def _lines_ending(data: bytes, ends: list[int], keywords: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of each line that a match of a rule's pattern ends on (`ends`, ascending,
    from the prefilter) and that holds one of its keywords: the lines a line-by-line search of
    the keyword lines would find matches on, since each such match ends on its own line."""
    spans: list[tuple[int, int]] = []
    size, last = len(data), -1
    needles = [keyword.encode() for keyword in keywords]
    for end in ends:
        at = max(end - 1, 0)  # the match's last byte (a newline it took ends its own line)
        if at <= last:
            continue
        start = data.rfind(b"\n", 0, at) + 1
        last = data.find(b"\n", at)
        last = size if last < 0 else last
        line = data[start:last].lower()
        if any(needle in line for needle in needles):
            spans.append((start, last))
    return spans


@dataclass(frozen=True)
class _Hit:
    rule: Rule
    secret: str
    start: int  # where the finding is reported (the secret, or the encoded value holding it)
    end: int
    validation: Validation | None  # None: the rule's validator refuted it (e.g. a bad checksum)
    allowed: bool = False  # an inline pragma accepts it: the findings stage leaves it out
    evidence: int = 0  # how much text the rule's whole match covered: more is more specific


class Detector:
    """Rules compiled once; `scan` is called for every blob, commit message or staged file."""

    def __init__(self, ruleset: RuleSet, engine: str = "auto") -> None:
        self.ruleset = ruleset
        content = [r for r in ruleset.rules if r.scope == "content"]
        # Rules with keywords go through the prefilter; rules with `paths` also run on any file
        # whose path fits, keyword or not.
        self._content = [r for r in content if r.keywords]
        self._by_path = [r for r in content if r.paths]
        # the last part of each of their globs, as `PurePosixPath.match` compares it
        self._last = {r.id: tuple(PurePosixPath(g).name for g in r.paths) for r in self._by_path}
        self._decoded = [r for r in ruleset.rules if r.scope != "content"]
        # compiled when a rule is first a candidate: a worker process starts ~0.1 s sooner
        self._regexes: dict[str, re.Pattern[bytes]] = {}
        self._near: dict[str, re.Pattern[bytes]] = {}
        self._path_rules: dict[str, list[Rule]] = {}
        # The decoders' probes: in the prefilter's pass, not one more search of the content each.
        probes = (*MANIFEST_PROBES, *SQL_INSERT_PROBES) if self._decoded else ()
        self._manifest = frozenset(range(len(MANIFEST_PROBES)))
        self._prefilter = make_prefilter(self._content, ruleset.version, engine, probes)
        self.engine_name = self._prefilter.name
        # Hyperscan already ran each candidate's pattern (in prefilter mode) on the content.
        self._patterns_checked = self.engine_name == "hyperscan"

    def scan(self, data: bytes, path: str | None = None) -> list[Match]:
        """Every credential in `data`: deduplicated, sorted by offset. Never raises on content.

        `path`, when known, is where the content sits: rules with `paths` that fit it run on
        the whole content even without a keyword (a `.pgpass`, a Rails `master.key`).
        """
        if not data:
            return []
        candidates = self._prefilter.candidates(data)
        by_path = self._rules_for_path(path) if path else []
        probes = candidates.probes  # none without decoded rules (see __init__)
        manifest = self._manifest <= probes
        dump = bool(probes - self._manifest)
        if not candidates.rules and not manifest and not dump and not by_path:
            return []  # nearly all content of a history: no line bookkeeping for it
        lines = _Lines(data)
        hits = self._content_hits(data, lines, candidates, by_path)
        if manifest or dump:
            hits += self._decoded_hits(data, lines, hits)
        return self._finish(hits, lines)

    def _rules_for_path(self, path: str) -> list[Rule]:
        """The rules whose `paths` fit `path` (a glob matches the path's tail, like .gitignore)."""
        found = self._path_rules.get(path)
        if found is None:
            slashed = path.replace("\\", "/")
            name = slashed.rsplit("/", 1)[-1]
            # `PurePosixPath.match` is slow (50 us for five rules): the path's last part must
            # fit a glob's last part for the whole to, which rules out nearly every path first
            if name in ("", ".", ".."):
                fits = list(self._by_path)
            else:
                fits = [
                    r
                    for r in self._by_path
                    if any(not last or fnmatch.fnmatchcase(name, last) for last in self._last[r.id])
                ]
            if fits:
                where = PurePosixPath(slashed)
                fits = [r for r in fits if any(where.match(glob) for glob in r.paths)]
            found = fits
            if len(self._path_rules) < 4096:
                self._path_rules[path] = found
        return found

    def _regex(self, rule: Rule) -> re.Pattern[bytes]:
        regex = self._regexes.get(rule.id)
        if regex is None:
            regex = self._regexes[rule.id] = re.compile(rule.pattern.encode())
        return regex

    def _anywhere(self, rule: Rule) -> re.Pattern[bytes]:
        """The rule's pattern with `^`/`$` at every line: if it finds nothing in the whole
        content, no line of it can match (a line's end is a `$` and a `\b` here too), so the
        lines need not be looked at one by one."""
        regex = self._regexes.get("\0" + rule.id)
        if regex is None:
            regex = self._regexes["\0" + rule.id] = re.compile(rule.pattern.encode(), re.M)
        return regex

    def _content_hits(
        self,
        data: bytes,
        lines: _Lines | None,
        known: Candidates | None = None,
        by_path: list[Rule] | None = None,
    ) -> list[_Hit]:
        """`known`: what the prefilter already said of `data`, if it was asked; `by_path`: rules
        the content's path calls for, run on all of it."""
        hits = []
        said = self._prefilter.candidates(data) if known is None else known
        windows = _KeywordLines(data, said.keywords)
        ends = said.ends or {}
        chosen = [(self._content[index], ends.get(index)) for index in said.rules]
        whole = {rule.id for rule in by_path or ()}
        picked = {rule.id for rule, _ in chosen}
        chosen += [(rule, None) for rule in by_path or () if rule.id not in picked]
        for rule, rule_ends in chosen:
            regex = self._regex(rule)
            if rule.multiline or rule.id in whole:
                spans = [(0, len(data))]
            elif rule_ends is not None:
                spans = _lines_ending(data, rule_ends, rule.keywords)
            elif not self._patterns_checked and self._anywhere(rule).search(data) is None:
                continue  # most candidates: the prefilter's guess, which the pattern refutes
            else:
                spans = windows.lines(rule.keywords)
            for window_start, window_end in spans:
                for found in regex.finditer(data, window_start, window_end):
                    start, end = found.span(rule.secret_group)
                    if start >= end:
                        continue
                    hit = self._judge(rule, data, start, end, lines)
                    if hit is not None:
                        hits.append(replace(hit, evidence=found.end() - found.start()))
        return hits

    def _judge(
        self, rule: Rule, data: bytes, start: int, end: int, lines: _Lines | None
    ) -> _Hit | None:
        """Apply filters and the validator; `lines` is None for decoded values (no line context)."""
        secret = data[start:end].decode("utf-8", "replace")
        # Cheapest checks first: most candidates of generic rules end here.
        if public.documented(secret) or filters.crosses_line_end(secret, rule.multiline):
            return None
        if rule.value == "generic" and filters.not_a_value(secret):
            return None
        if rule.value == "password" and (
            filters.names_something(secret) or filters.is_weak_password(secret)
        ):
            return None
        if rule.entropy is not None and filters.shannon_entropy(secret) < rule.entropy:
            return None
        free_form = rule.value != "token"
        if filters.is_templated(secret) or filters.is_placeholder(secret, free_form=free_form):
            return None
        allowed = False
        if lines is not None:
            previous, line_start, line_end = lines.bounds(start)
            allowed = filters.allowlisted(data[line_start:line_end], data[previous:line_start])
            if not self._fits_its_line(rule, secret, data, start, lines):
                return None
        if lines is None and public.public_by_design(secret, lambda _: "") is not None:
            return None
        if rule.validator is None:
            return _Hit(rule, secret, start, end, Validation.UNVERIFIED, allowed)
        # A refuted candidate is kept (validation None) so that a less telling rule cannot report
        # the same span: a token with a wrong checksum is not a secret under a generic rule either.
        return _Hit(rule, secret, start, end, VALIDATORS[rule.validator](secret), allowed)

    def _fits_its_line(
        self, rule: Rule, secret: str, data: bytes, start: int, lines: _Lines
    ) -> bool:
        """The checks that read the secret's surroundings: the key it is assigned to, the context
        a rule requires (`near`), and keys that are public by design."""
        _, line_start, _ = lines.bounds(start)
        if rule.value != "token":
            prefix = data[max(line_start, start - LINE_WINDOW) : start]
            if filters.generic_false_positive(secret, prefix.decode("utf-8", "replace")):
                return False
        if rule.near:
            regex = self._near.get(rule.id)
            if regex is None:
                regex = self._near[rule.id] = re.compile(rule.near.encode())
            if regex.search(lines.around(start, public.NEAR_LINES)) is None:
                return False
        nearby = lambda n: lines.around(start, n).decode("utf-8", "replace")  # noqa: E731
        return public.public_by_design(secret, nearby) is None

    def _decoded_hits(self, data: bytes, lines: _Lines, found: list[_Hit]) -> list[_Hit]:
        """Values a decoder says are secret: Kubernetes Secret data, passwords of SQL rows."""
        hits: list[_Hit] = []
        for value in kubernetes_secret_values(data) + sql_password_values(data):
            previous, line_start, line_end = lines.bounds(value.start)
            allowed = filters.allowlisted(data[line_start:line_end], data[previous:line_start])
            if value.section == "data":
                # Decoded secrets are reported at the encoded value: that is what the file holds.
                inner = self._content_hits(value.decoded, None)
                hits += [
                    _Hit(h.rule, h.secret, value.start, value.end, h.validation, allowed)
                    for h in inner
                ]
                inner = [h for h in inner if h.validation is not None]
            else:
                # stringData and SQL values are plain text, already scanned where they stand; a
                # generic or password-setting hit gives way to the more telling decoder rule.
                inner = [
                    h
                    for h in found
                    if h.start < value.end and value.start < h.end and h.rule.value == "token"
                ]
            # A hashed password column is the hash rules' to judge, not the password rule's.
            if value.section == "sql" and filters.is_password_hash(
                value.decoded.decode("utf-8", "replace")
            ):
                continue
            if not inner:
                hits += [replace(h, allowed=allowed) for h in self._flag_value(value)]
        return hits

    def _flag_value(self, value: EncodedValue) -> list[_Hit]:
        """A value no provider rule recognised: the manifest (or the column) says it is secret."""
        scope = DECODED_SCOPES[value.section]
        for rule in self._decoded:
            if rule.scope != scope:
                continue
            found = self._regex(rule).search(value.decoded)
            if found is None:
                continue
            start, end = found.span(rule.secret_group)
            hit = self._judge(rule, value.decoded, start, end, None) if start < end else None
            if hit is not None and hit.validation is not None:
                return [_Hit(rule, hit.secret, value.start, value.end, hit.validation)]
        return []

    def _finish(self, hits: list[_Hit], lines: _Lines) -> list[Match]:
        """Drop duplicates and hits a more telling rule explains (Rule.precedence); sort."""
        above: dict[int, list[tuple[int, int]]] = {0: [], 1: []}  # spans of higher-ranked hits
        for hit in hits:
            for rank in range(hit.rule.precedence):
                above[rank].append((hit.start, hit.end))
        for spans in above.values():
            spans.sort()
        unique: dict[tuple[str, int, int], _Hit] = {}
        # One finding per span among equally ranked rules: the most confident, then the one
        # whose match read the most (`jdbc:postgresql://u:p@h` over `postgresql://u:p@h`).
        best: dict[tuple[int, int], _Hit] = {}
        for hit in hits:
            rank = hit.rule.precedence
            if hit.validation is None or (
                rank in above and _overlaps(above[rank], hit.start, hit.end)
            ):
                continue
            held = best.get((hit.start, hit.end))
            if held is None or _strength(hit) > _strength(held):
                best[(hit.start, hit.end)] = hit
        for hit in best.values():
            unique.setdefault((hit.rule.id, hit.start, hit.end), hit)
        matches = []
        for (rule_id, start, end), hit in sorted(unique.items(), key=lambda kv: kv[0][1:]):
            line, column = lines.position(start)
            assert hit.validation is not None  # refuted hits were skipped above
            matches.append(
                Match(rule_id, hit.secret, start, end, line, column, hit.validation, hit.allowed)
            )
        return sorted(matches, key=lambda m: (m.start, m.end, m.rule_id))


CONFIDENCE_ORDER = {Confidence.LOW: 0, Confidence.MEDIUM: 1, Confidence.HIGH: 2}


def _strength(hit: _Hit) -> tuple[int, int]:
    return CONFIDENCE_ORDER[hit.rule.confidence], hit.evidence


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    # Spans are sorted by start; any span starting before `end` may overlap.
    stop = bisect.bisect_left(spans, (end, -1))
    return any(s_end > start for _, s_end in spans[:stop])

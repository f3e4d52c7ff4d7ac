"""The one findings stage: hits from any source become findings and a result.

Every source feeds it the same way: what matched (hits), where it lives (the source's
placement), what could not be read. Here and only here: suppression (a detect-secrets baseline,
inline pragmas), the rule behind each match (and the fallback for a rule the set does not know),
the place inside an archive, secrets pasted into commit summaries redacted, and the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from scaffold.scan.baseline import Baseline
from scaffold.scan.context import context_of_places
from scaffold.scan.matching import Hit
from scaffold.scan.model import (
    Finding,
    Match,
    Provenance,
    RuleInfo,
    ScanResult,
    ScanStats,
    Severity,
    Skipped,
    SourceKind,
    redact,
)
from scaffold.scan.sources import Kind, Placement, Where

_SOURCE_KIND = {
    Kind.BLOB: SourceKind.BLOB,
    Kind.COMMIT: SourceKind.COMMIT_MESSAGE,
    Kind.TAG: SourceKind.COMMIT_MESSAGE,
    Kind.MESSAGE: SourceKind.COMMIT_MESSAGE,
    Kind.STAGED: SourceKind.STAGED,
    Kind.FILE: SourceKind.FILE,
}
_MESSAGES = (Kind.COMMIT, Kind.TAG, Kind.MESSAGE)


def unknown_rule(rule_id: str) -> RuleInfo:
    """A match from a rule the active set does not describe: reported, never dropped."""
    return RuleInfo(
        rule_id,
        rule_id,
        "unknown",
        Severity.HIGH,
        "Revoke the credential where it was issued, issue a new one, and load it from a "
        "secret manager.",
    )


@dataclass(frozen=True)
class Kept:
    """A match that survived suppression, with the content it was found in."""

    hit: Hit
    match: Match


class FindingsStage:
    """Suppression and assembly for one scan (see the module doc)."""

    def __init__(self, rules: Sequence[RuleInfo], baseline: Baseline | None = None) -> None:
        self.rules = tuple(rules)
        self._by_id = {rule.id: rule for rule in self.rules}
        self._baseline = baseline
        self.suppressed = 0

    def rule(self, rule_id: str) -> RuleInfo:
        return self._by_id.get(rule_id) or unknown_rule(rule_id)

    def keep(self, hits: Iterable[Hit]) -> list[Kept]:
        """The matches neither an inline pragma nor the baseline accepts; the rest counted."""
        kept: list[Kept] = []
        for hit in hits:
            for match in hit.matches:
                if match.allowed or (
                    self._baseline is not None and self._baseline.suppresses(match)
                ):
                    self.suppressed += 1
                else:
                    kept.append(Kept(hit, match))
        return kept

    def findings(
        self, kept: Sequence[Kept], placement: Placement, label: str
    ) -> tuple[Finding, ...]:
        # a token pasted into a commit message would otherwise show in every finding of that commit
        pasted = {k.match.secret for k in kept if k.hit.kind in _MESSAGES}
        found: list[Finding] = []
        for item in kept:
            hit, match = item.hit, item.match
            where = placement.where.get(hit.key, Where())
            provenance = tuple(_scrubbed(_inside(p, hit.member), pasted) for p in where.provenance)
            rule = self.rule(match.rule_id)
            paths = [p.path for p in provenance] if hit.kind not in _MESSAGES else []
            found.append(
                Finding(
                    match=match,
                    rule=rule,
                    source=_SOURCE_KIND[hit.kind],
                    object_id=hit.key,
                    repository=label,
                    provenance=provenance,
                    refs=where.refs,
                    in_head=where.in_head,
                    confidence=rule.confidence,
                    context=context_of_places(paths),
                )
            )
        return tuple(found)

    def result(
        self,
        label: str,
        findings: tuple[Finding, ...],
        *,
        stats: ScanStats,
        skipped: Sequence[Skipped],
        warnings: Sequence[str],
        gaps: Sequence[str],
        extra: dict[str, str],
    ) -> ScanResult:
        gaps = list(dict.fromkeys(gaps))
        if skipped:
            gaps.append(f"{len(skipped)} item(s) not read (listed as not scanned)")
        return ScanResult(
            repository=label,
            findings=findings,
            rules=self.rules,
            stats=stats,
            skipped=tuple(skipped),
            warnings=tuple(dict.fromkeys(warnings)),
            suppressed=self.suppressed,
            extra=extra,
            gaps=tuple(gaps),
        )


def _inside(place: Provenance, member: str) -> Provenance:
    """The place of a match inside an archive member: `backups/config.zip!settings/prod.py`."""
    if not member:
        return place
    return replace(place, path=f"{place.path}!{member}" if place.path else member)


def _scrubbed(place: Provenance, secrets: set[str]) -> Provenance:
    summary = place.summary
    for secret in secrets:
        if secret in summary:
            summary = summary.replace(secret, redact(secret))
    return replace(place, summary=summary) if summary != place.summary else place

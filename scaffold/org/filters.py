"""Narrowing an organisation report: findings introduced since a date, or new since the last run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from scaffold.errors import UsageError
from scaffold.scan.model import Finding, ScanResult


def parse_date(text: str) -> datetime:
    """`2024-05-01` or a full ISO 8601 time; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--new-since {text!r}: expected a date like 2024-05-01") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def introduced(finding: Finding) -> datetime | None:
    first = finding.first
    if first is None or not first.date:
        return None
    try:
        moment = datetime.fromisoformat(first.date)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _keep(results: Sequence[ScanResult], wanted: object) -> list[ScanResult]:
    assert callable(wanted)
    return [replace(r, findings=tuple(f for f in r.findings if wanted(f))) for r in results]


def new_since(results: Sequence[ScanResult], since: datetime) -> list[ScanResult]:
    """Findings whose earliest introducing commit is at or after `since`."""

    def wanted(finding: Finding) -> bool:
        moment = introduced(finding)
        return moment is not None and moment >= since

    return _keep(results, wanted)


def new_since_last_run(
    results: Sequence[ScanResult],
    first_seen: Mapping[tuple[str, str, str], float],
    previous_finished: float | None,
) -> list[ScanResult]:
    """Findings the datastore first recorded after the previous completed run ended."""
    if previous_finished is None:
        return list(results)

    def wanted(finding: Finding) -> bool:
        key = (finding.repository, finding.fingerprint, finding.object_id)
        return first_seen.get(key, float("inf")) > previous_finished

    return _keep(results, wanted)

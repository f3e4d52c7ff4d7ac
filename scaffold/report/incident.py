"""`scan --format incident`: the Markdown incident note for every finding (never a secret)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from scaffold.scan.grouping import View
from scaffold.scan.model import ScanResult


def report(
    results: Sequence[ScanResult],
    out: TextIO,
    *,
    show_secrets: bool = False,
    view: View | None = None,
    all_refs: bool = False,
) -> None:
    """One note for all results; `show_secrets` is ignored: the note is meant to be committed."""
    del view, all_refs  # an incident note covers every secret the scan found
    del show_secrets
    from scaffold.remedy.incident import incident_note
    from scaffold.remedy.records import Records, Remedy, default_datastore
    from scaffold.report.common import generated_at

    findings = [f for result in results for f in result.findings]
    answers = {f.fingerprint: f.verification for f in findings if f.verification is not None}
    remedies: dict[str, list[Remedy]] = {}
    if default_datastore().exists():
        with Records() as records:
            remedies = {fp: records.remedies(fp) for fp in {f.fingerprint for f in findings}}
    names = sorted({result.repository for result in results})
    out.write(
        incident_note(
            findings, answers, remedies, repository=", ".join(names), written_at=generated_at()
        )
    )

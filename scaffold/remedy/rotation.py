"""Gather what `rotate` renders: the fingerprint's findings, answers, actions and usage."""

from __future__ import annotations

from pathlib import Path

from scaffold.remedy.records import Records, Remedy, default_datastore
from scaffold.remedy.rotate import AWS_KEY_ID, Rotation, pick
from scaffold.remedy.runbook import resolve
from scaffold.remedy.usage import find_usage
from scaffold.scan.model import SourceKind
from scaffold.verify.run import VerifyOptions


def load_rotation(
    path: Path, fingerprint: str, verify: VerifyOptions | None, datastore: Path | None
) -> Rotation:
    from scaffold.scan.engine import scan_repository
    from scaffold.scan.model import ScanOptions
    from scaffold.verify.apply import git_contents, verify_and_record
    from scaffold.verify.content import companion_near

    findings = scan_repository(path, ScanOptions()).findings
    chosen = pick(findings, fingerprint, path)
    fp = chosen[0].fingerprint
    if verify is not None:
        # the pair's other half is verified with it, so hand over everything from those contents
        objects = {f.object_id for f in chosen}
        verify_and_record([f for f in findings if f.object_id in objects], verify, path, datastore)
    verification = None
    remedies: tuple[Remedy, ...] = ()
    store = datastore or default_datastore()
    if store.exists():
        with Records(store) as records:
            verification = records.verifications([fp]).get(fp)
            remedies = tuple(records.remedies(fp))
    companion = ""
    if chosen[0].rule.id == "aws-secret-access-key":
        contents = git_contents(path)([f for f in chosen if f.source is SourceKind.BLOB])
        for finding in chosen:
            companion = companion_near(AWS_KEY_ID, finding, contents.get(finding.object_id))
            if companion:
                break
    rule = chosen[0].rule
    return Rotation(
        fingerprint=fp,
        findings=tuple(chosen),
        runbook=resolve(rule.id, rule.provider),
        verification=verification,
        usage=find_usage(path, chosen),
        companion=companion,
        remedies=remedies,
    )

"""Combine shard datastores (or JSON reports) into the results of one organisation scan."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.org.store import Store
from scaffold.org.stored import StoredMatch, placeholder, rule_from_dict
from scaffold.report.json import SCHEMA_VERSION
from scaffold.scan.model import (
    Confidence,
    Context,
    Finding,
    Provenance,
    RuleInfo,
    ScanResult,
    ScanStats,
    Skipped,
    SourceKind,
    Validation,
)

_SQLITE_MAGIC = b"SQLite format 3\x00"
_LENGTH = re.compile(r"\[(\d+) chars\]$")


def load_inputs(paths: Sequence[Path]) -> list[ScanResult]:
    """Every repository of every input; a repository in two inputs keeps the later one."""
    if not paths:
        raise UsageError("report merge: give at least one datastore or JSON report")
    merged: dict[str, ScanResult] = {}
    versions: set[str] = set()
    for path in paths:
        for result in _load(path, versions):
            if result.repository in merged:
                _warn(f"{result.repository} is in more than one input; keeping {path}")
            merged[result.repository] = result
    if len(versions) > 1:
        _warn("the inputs were scanned with different rule versions; findings may not compare")
    return [merged[name] for name in sorted(merged)]


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _load(path: Path, versions: set[str]) -> list[ScanResult]:
    try:
        head = path.open("rb").read(16)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    if head == _SQLITE_MAGIC:
        with Store(path) as store:
            versions.update(store.rules_versions())
            return store.results()
    return _from_json(path)


def _from_json(path: Path) -> list[ScanResult]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise UsageError(f"{path}: neither a scaffold datastore nor a JSON report") from None
    if not isinstance(document, dict) or document.get("schema_version") != SCHEMA_VERSION:
        raise UsageError(f"{path}: not a scaffold JSON report (schema_version {SCHEMA_VERSION})")
    if document.get("secrets_shown"):
        raise UsageError(f"{path}: this report holds secrets; merge reports made without them")
    installed = _installed_rules()
    try:
        return [_result(repo, installed) for repo in document["repositories"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{path}: malformed JSON report ({exc})") from None


def _installed_rules() -> dict[str, RuleInfo]:
    from scaffold.scan.rules import load_rules

    return {info.id: info for info in load_rules().infos()}


def _result(repo: dict[str, Any], installed: dict[str, RuleInfo]) -> ScanResult:
    name = str(repo["repository"])
    findings = tuple(
        finding for item in repo["secrets"] for finding in _findings(item, name, installed)
    )
    used = {f.rule.id: f.rule for f in findings}
    stats = repo.get("stats", {})
    return ScanResult(
        repository=name,
        findings=findings,
        rules=tuple(sorted({**used, **installed}.values(), key=lambda r: r.id)),
        stats=ScanStats(
            int(stats.get("blobs_scanned", 0)),
            int(stats.get("bytes_scanned", 0)),
            int(stats.get("commits_seen", 0)),
            float(stats.get("seconds", 0.0)),
        ),
        skipped=tuple(
            Skipped(
                s["object_id"],
                s["reason"],
                s.get("path", ""),
                int(s.get("size", 0)),
                s.get("member", ""),
            )
            for s in repo.get("skipped", [])
        ),
        gaps=tuple(str(g) for g in repo.get("incomplete", [])),
        warnings=tuple(str(w) for w in repo.get("warnings", [])),
        suppressed=int(repo.get("suppressed", 0)),
        extra={str(k): str(v) for k, v in repo.get("extra", {}).items()},
    )


def _findings(
    item: dict[str, Any], repository: str, installed: dict[str, RuleInfo]
) -> list[Finding]:
    """A reported secret back as findings: one per object it was found in, each with the
    places it had there (what the engine made before grouping)."""
    rule = dict(item["rule"])
    info = installed.get(str(rule["id"])) or rule_from_dict(
        {**rule, "remediation": item.get("remediation", "")}
    )
    preview = str(item["preview"])
    length = _LENGTH.search(preview)
    secret = placeholder(preview, int(length[1]) if length else len(preview))
    refs = tuple(item.get("refs", {}).get("names", []))
    by_object: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for location in item["locations"]:
        by_object.setdefault((str(location["object_id"]), str(location["source"])), []).append(
            location
        )
    found = []
    for (object_id, source), places in by_object.items():
        match = StoredMatch(
            rule_id=info.id,
            secret=secret,
            start=0,
            end=0,
            line=int(places[0]["line"]),
            column=int(places[0]["column"]),
            validation=Validation(item.get("validation", "unverified")),
            stored_fingerprint=str(item["fingerprint"]),
        )
        provenance = tuple(
            Provenance(
                p.get("commit") or "",
                p.get("path") or "",
                (p.get("author") or {}).get("name", ""),
                (p.get("author") or {}).get("email", ""),
                p.get("date") or "",
                p.get("summary", ""),
            )
            for p in places
        )
        found.append(
            Finding(
                match=match,
                rule=info,
                source=SourceKind(source),
                object_id=object_id,
                repository=repository,
                provenance=provenance,
                refs=refs,
                in_head=bool(item.get("in_head", False)),
                confidence=Confidence(item.get("confidence", "medium")),
                context=Context(item.get("context", "source")),
            )
        )
    return found

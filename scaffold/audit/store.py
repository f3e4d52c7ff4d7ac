"""The audit datastore (SQLite): each run's verdicts, so the next run can say what changed."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scaffold.audit.model import Location, Outcome, RepoAudit, Status, Verdict
from scaffold.errors import UsageError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_runs (id INTEGER PRIMARY KEY, started REAL NOT NULL);
CREATE TABLE IF NOT EXISTS audit_outcomes (
    run_id INTEGER NOT NULL, identity TEXT NOT NULL, check_id TEXT NOT NULL, status TEXT NOT NULL,
    PRIMARY KEY (run_id, identity, check_id)
);
CREATE TABLE IF NOT EXISTS audit_cache (key TEXT PRIMARY KEY, audit TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_quick (quick TEXT PRIMARY KEY, key TEXT NOT NULL);
"""


class AuditStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=60)
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise UsageError(f"audit datastore {path}: {exc}") from None

    def close(self) -> None:
        self.db.close()

    def previous(self, identity: str) -> dict[str, str]:
        """check id -> status at the last recorded audit of `identity` (empty: never audited)."""
        row = self.db.execute(
            "SELECT max(run_id) FROM audit_outcomes WHERE identity = ?", (identity,)
        ).fetchone()
        if row is None or row[0] is None:
            return {}
        rows = self.db.execute(
            "SELECT check_id, status FROM audit_outcomes WHERE run_id = ? AND identity = ?",
            (row[0], identity),
        )
        return {str(r[0]): str(r[1]) for r in rows}

    def record(self, audits: Sequence[tuple[str, RepoAudit]]) -> None:
        with self.db:
            run_id = self.db.execute(
                "INSERT INTO audit_runs(started) VALUES (?)", (time.time(),)
            ).lastrowid
            self.db.executemany(
                "INSERT INTO audit_outcomes VALUES (?, ?, ?, ?)",
                [
                    (run_id, identity, o.check.id, o.status.value)
                    for identity, audit in audits
                    for o in audit.outcomes
                ],
            )

    def cached(self, key: str) -> RepoAudit | None:
        """A file audit of exactly these files, under exactly these checks, done before."""
        row = self.db.execute("SELECT audit FROM audit_cache WHERE key = ?", (key,)).fetchone()
        return None if row is None else _audit_from_json(json.loads(row[0]))

    def cached_quick(self, quick: str) -> RepoAudit | None:
        """The audit recorded for a work tree whose files.quick_state was exactly this."""
        row = self.db.execute("SELECT key FROM audit_quick WHERE quick = ?", (quick,)).fetchone()
        return None if row is None else self.cached(str(row[0]))

    def remember_quick(self, quick: str, key: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO audit_quick VALUES (?, ?)", (quick, key))

    def remember(self, key: str, audit: RepoAudit) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO audit_cache VALUES (?, ?)",
                (key, json.dumps(_audit_json(audit))),
            )


def _audit_json(audit: RepoAudit) -> dict[str, Any]:
    return {
        "repository": audit.repository,
        "problems": list(audit.problems),
        "outcomes": [
            [
                o.check.id,
                o.status.value,
                o.verdict.reason,
                [[p.path, p.line, p.message] for p in o.verdict.locations],
            ]
            for o in audit.outcomes
        ],
    }


def _audit_from_json(data: dict[str, Any]) -> RepoAudit | None:
    from scaffold.audit.checks import load_checks

    checks = {c.id: c for c in load_checks()}
    outcomes = []
    for check_id, status, reason, places in data["outcomes"]:
        if check_id not in checks:
            return None
        where = tuple(Location(p, n, m) for p, n, m in places)
        outcomes.append(Outcome(checks[check_id], Verdict(Status(status), reason, where)))
    return RepoAudit(data["repository"], tuple(outcomes), tuple(data["problems"]))


def checks_digest() -> str:
    """Changes whenever a check, an evaluator or scaffold itself changes."""
    from importlib import resources

    from scaffold import __version__

    digest = hashlib.sha256(__version__.encode())
    root = resources.files("scaffold.audit")
    for folder in ("checks", "evaluators"):
        for entry in sorted((root / folder).iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".toml", ".py")):
                digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    for name in ("inputs.py", "files.py", "engine.py"):
        digest.update((root / name).read_bytes())
    return digest.hexdigest()


def changes(previous: dict[str, str], audit: RepoAudit) -> list[dict[str, str]]:
    now = {o.check.id: o.status.value for o in audit.outcomes}
    ids = sorted(set(previous) | set(now))
    return [
        {"id": i, "before": previous.get(i, "absent"), "after": now.get(i, "absent")}
        for i in ids
        if previous.get(i) != now.get(i)
    ]

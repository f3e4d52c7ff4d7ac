"""The audit datastore (SQLite): each run's verdicts, so the next run can say what changed."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from scaffold.audit.model import RepoAudit
from scaffold.errors import UsageError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_runs (id INTEGER PRIMARY KEY, started REAL NOT NULL);
CREATE TABLE IF NOT EXISTS audit_outcomes (
    run_id INTEGER NOT NULL, identity TEXT NOT NULL, check_id TEXT NOT NULL, status TEXT NOT NULL,
    PRIMARY KEY (run_id, identity, check_id)
);
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


def changes(previous: dict[str, str], audit: RepoAudit) -> list[dict[str, str]]:
    now = {o.check.id: o.status.value for o in audit.outcomes}
    ids = sorted(set(previous) | set(now))
    return [
        {"id": i, "before": previous.get(i, "absent"), "after": now.get(i, "absent")}
        for i in ids
        if previous.get(i) != now.get(i)
    ]

"""What verify and remedy remember, in the scaffold datastore: answers and actions, never secrets.

`scan --verify` saves each fingerprint's last answer with its time; `purge` refuses on a
recorded `live`, records what it did, and drops the purged findings; `rotate` and the incident
note read all of it back. One repository's scans use a datastore under the cache directory;
organisation scans use their --datastore.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from scaffold.org.store import Store
from scaffold.scan.model import Liveness, Verification


def default_datastore() -> Path:
    from scaffold.paths import cache_root

    return cache_root() / "verify.db"


@dataclass(frozen=True)
class Remedy:
    fingerprint: str
    action: str  # "rotated", "purged", ...
    at: str  # ISO 8601
    detail: str = ""


def save_verifications(store: Store, answers: Mapping[str, tuple[str, Verification]]) -> None:
    """fingerprint -> (rule id, answer); replaces earlier answers for those fingerprints."""
    if not answers:
        return
    with store._write() as db:
        db.executemany(
            "INSERT OR REPLACE INTO verifications VALUES (?, ?, ?, ?, ?)",
            [
                (fp, rule, str(v.status), v.reason, v.checked_at)
                for fp, (rule, v) in sorted(answers.items())
            ],
        )


def verifications(
    store: Store, fingerprints: Iterable[str] | None = None
) -> dict[str, Verification]:
    """The last answer for each fingerprint (all of them, or those asked for)."""
    rows = store.db.execute(
        "SELECT fingerprint, status, reason, checked_at FROM verifications"
    ).fetchall()
    wanted = set(fingerprints) if fingerprints is not None else None
    return {
        str(fp): Verification(Liveness(status), str(reason), str(at))
        for fp, status, reason, at in rows
        if wanted is None or fp in wanted
    }


class Records:
    """Verification answers and remedy actions in one datastore file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_datastore()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.path)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Records:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save_verifications(self, answers: Mapping[str, tuple[str, Verification]]) -> None:
        save_verifications(self.store, answers)

    def verifications(self, fingerprints: Iterable[str] | None = None) -> dict[str, Verification]:
        return verifications(self.store, fingerprints)

    def record(self, remedies: Iterable[Remedy]) -> None:
        rows = [(r.fingerprint, r.action, r.at, r.detail) for r in remedies]
        if not rows:
            return
        with self.store._write() as db:
            db.executemany(
                "INSERT INTO remedies(fingerprint, action, at, detail) VALUES (?, ?, ?, ?)", rows
            )

    def remedies(self, fingerprint: str) -> list[Remedy]:
        rows = self.store.db.execute(
            "SELECT fingerprint, action, at, detail FROM remedies WHERE fingerprint = ? "
            "ORDER BY at, id",
            (fingerprint,),
        ).fetchall()
        return [Remedy(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]

    def forget_findings(self, fingerprints: Iterable[str], location: Path) -> int:
        """Drop purged findings of the repository at `location`; its next org scan rescans it."""
        wanted = sorted(set(fingerprints))
        if not wanted:
            return 0
        marks = ", ".join("?" * len(wanted))
        with self.store._write() as db:
            identities = [
                str(row[0])
                for row in db.execute(
                    "SELECT identity FROM repositories WHERE location = ? OR identity = ?",
                    (str(location), f"path:{location}"),
                )
            ]
            removed = 0
            for identity in identities:
                cursor = db.execute(
                    f"DELETE FROM findings WHERE identity = ? AND fingerprint IN ({marks})",
                    (identity, *wanted),
                )
                removed += cursor.rowcount
                db.execute(
                    "UPDATE repositories SET refs_digest = '', refs_stat = '' WHERE identity = ?",
                    (identity,),
                )
        return removed

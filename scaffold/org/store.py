"""The organisation datastore (SQLite, WAL): what was scanned under which rules, and what it found.

It never holds a secret: findings keep a fingerprint, a redacted preview and the secret's
length. Every write commits at once, so an interrupted run keeps everything it finished.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scaffold.org.schema import StoreError, prepare
from scaffold.org.stored import finding_row, result_from_rows
from scaffold.scan.model import RuleInfo, ScanResult

BUSY_TIMEOUT_MS = 120_000  # workers and the coordinator write to the same file


@dataclass(frozen=True)
class RepoState:
    identity: str
    status: str  # "ok" or "failed"
    scan_key: str  # rules version + options that change results
    refs_digest: str  # every ref and its target at the last scan
    refs_stat: str = ""  # the ref files' sizes and times then (see worker.refs_stat)


@contextmanager
def _errors(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(f"datastore {path}: {exc}") from None


class Store:
    """One connection to a datastore file; cheap to open in every worker process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.exists() and not path.is_file():
            raise StoreError(f"{path}: not a file")
        with _errors(path):
            self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            try:
                self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
                prepare(self.db, path)
            except BaseException:
                self.db.close()
                raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with _errors(self.path):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # runs ---------------------------------------------------------------------------------
    def begin_run(self, rules_version: str, rules: Sequence[RuleInfo], shard: str = "") -> int:
        """Record a run; forget content scanned under other rules (it must be rescanned)."""
        with self._write() as db:
            db.execute("DELETE FROM contents WHERE rules_version != ?", (rules_version,))
            db.executemany(
                "INSERT OR REPLACE INTO rules VALUES (?, ?, ?)",
                [(rules_version, rule.id, _rule_json(rule)) for rule in rules],
            )
            cursor = db.execute(
                "INSERT INTO runs(started, rules_version, shard) VALUES (?, ?, ?)",
                (time.time(), rules_version, shard),
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, status: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE runs SET finished = ?, status = ? WHERE id = ?",
                (time.time(), status, run_id),
            )

    def previous_run_finished(self, run_id: int) -> float | None:
        """When the last completed run before `run_id` ended (None: there was none)."""
        with _errors(self.path):
            row = self.db.execute(
                "SELECT max(finished) FROM runs WHERE id < ? AND status != 'running'", (run_id,)
            ).fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def rules_versions(self) -> set[str]:
        with _errors(self.path):
            rows = self.db.execute(
                "SELECT DISTINCT rules_version FROM repositories WHERE rules_version != ''"
            )
            return {str(row[0]) for row in rows}

    # contents -----------------------------------------------------------------------------
    def content_state(self, content_id: str, rules_version: str) -> int | None:
        """None: never scanned under these rules; 0: scanned, nothing found; 1: had matches."""
        with _errors(self.path):
            row = self.db.execute(
                "SELECT matched FROM contents WHERE content_id = ? AND rules_version = ?",
                (content_id, rules_version),
            ).fetchone()
        return None if row is None else int(row[0])

    def record_contents(
        self, rows: Sequence[tuple[str, bool]], rules_version: str, run_id: int
    ) -> None:
        if not rows:
            return
        with self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO contents VALUES (?, ?, ?, ?)",
                [(cid, rules_version, int(matched), run_id) for cid, matched in rows],
            )

    def count_contents(self, rules_version: str) -> int:
        with _errors(self.path):
            row = self.db.execute(
                "SELECT count(*) FROM contents WHERE rules_version = ?", (rules_version,)
            ).fetchone()
        return int(row[0])

    # repositories -------------------------------------------------------------------------
    def repo_state(self, identity: str) -> RepoState | None:
        with _errors(self.path):
            row = self.db.execute(
                "SELECT status, scan_key, refs_digest, refs_stat FROM repositories "
                "WHERE identity = ?",
                (identity,),
            ).fetchone()
        return None if row is None else RepoState(identity, row[0], row[1], row[2], row[3])

    def save_refs_stat(self, identity: str, refs_stat: str) -> None:
        """An unchanged repository whose ref files were touched: remember their new times."""
        with self._write() as db:
            db.execute(
                "UPDATE repositories SET refs_stat = ? WHERE identity = ?", (refs_stat, identity)
            )

    def save_scan(
        self,
        identity: str,
        location: str,
        result: ScanResult,
        *,
        scan_key: str,
        refs_digest: str,
        rules_version: str,
        run_id: int,
        refs_stat: str = "",
    ) -> None:
        """Replace a repository's findings with a complete scan's; keep first-seen times."""
        now = time.time()
        with self._write() as db:
            seen = {
                (row[0], row[1], row[2], row[3], row[4]): (row[5], row[6])
                for row in db.execute(
                    "SELECT fingerprint, source, object_id, line, col, first_seen, first_run "
                    "FROM findings WHERE identity = ?",
                    (identity,),
                )
            }
            db.execute("DELETE FROM findings WHERE identity = ?", (identity,))
            rows = []
            for finding in result.findings:
                key = (
                    finding.fingerprint,
                    str(finding.source),
                    finding.object_id,
                    finding.match.line,
                    finding.match.column,
                )
                first_seen, first_run = seen.get(key, (now, run_id))
                rows.append(finding_row(identity, finding, first_seen, first_run))
            db.executemany(f"INSERT OR REPLACE INTO findings VALUES ({', '.join('?' * 17)})", rows)
            stats = result.stats
            db.execute(
                "INSERT OR REPLACE INTO repositories(identity, display, location, status, error, "
                "scan_key, refs_digest, refs_stat, rules_version, scanned_at, seconds, "
                "blobs_scanned, bytes_scanned, commits_seen, suppressed, warnings, skipped, "
                "run_id, gaps) "
                "VALUES (?, ?, ?, 'ok', '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    identity,
                    result.repository,
                    location,
                    scan_key,
                    refs_digest,
                    refs_stat,
                    rules_version,
                    now,
                    stats.seconds,
                    stats.blobs_scanned,
                    stats.bytes_scanned,
                    stats.commits_seen,
                    result.suppressed,
                    json.dumps(list(result.warnings)),
                    json.dumps(
                        [[s.object_id, s.reason, s.path, s.size, s.member] for s in result.skipped]
                    ),
                    run_id,
                    json.dumps(list(result.gaps)),
                ),
            )

    def save_failure(
        self, identity: str, display: str, location: str, error: str, run_id: int
    ) -> None:
        """Mark a repository failed; findings from an earlier successful scan stay."""
        with self._write() as db:
            db.execute(
                "INSERT INTO repositories(identity, display, location, status, error, run_id) "
                "VALUES (?, ?, ?, 'failed', ?, ?) ON CONFLICT(identity) DO UPDATE SET "
                "status = 'failed', error = excluded.error, run_id = excluded.run_id, "
                "scan_key = '', refs_digest = '', refs_stat = ''",
                (identity, display, location, error, run_id),
            )

    # reading ------------------------------------------------------------------------------
    def identities(self) -> list[str]:
        with _errors(self.path):
            return [
                str(row[0])
                for row in self.db.execute("SELECT identity FROM repositories ORDER BY identity")
            ]

    def rule_infos(self, rules_version: str) -> tuple[RuleInfo, ...]:
        from scaffold.org.stored import rule_from_json

        with _errors(self.path):
            rows = self.db.execute(
                "SELECT info FROM rules WHERE rules_version = ? ORDER BY rule_id", (rules_version,)
            )
            return tuple(rule_from_json(row[0]) for row in rows)

    def results(self, identities: Sequence[str] | None = None) -> list[ScanResult]:
        """Each repository's last complete scan as a ScanResult (placeholders, not secrets)."""
        wanted = list(identities) if identities is not None else self.identities()
        results = []
        rules: dict[str, tuple[RuleInfo, ...]] = {}  # per rules version, parsed once
        with _errors(self.path):
            for identity in wanted:
                repo = self.db.execute(
                    "SELECT display, status, error, rules_version, seconds, blobs_scanned, "
                    "bytes_scanned, commits_seen, suppressed, warnings, skipped, gaps "
                    "FROM repositories WHERE identity = ?",
                    (identity,),
                ).fetchone()
                if repo is None:
                    continue
                rows = self.db.execute(
                    "SELECT * FROM findings WHERE identity = ?", (identity,)
                ).fetchall()
                if repo[3] not in rules:
                    rules[repo[3]] = self.rule_infos(repo[3])
                results.append(result_from_rows(repo, rows, rules[repo[3]]))
        return _with_verifications(self, results)

    def repo_times(self) -> dict[str, tuple[float | None, str, str]]:
        """display -> (scanned_at, status, error), for the summary table."""
        with _errors(self.path):
            rows = self.db.execute("SELECT display, scanned_at, status, error FROM repositories")
            return {str(r[0]): (r[1], str(r[2]), str(r[3])) for r in rows}

    def first_seen(self) -> dict[tuple[str, str, str], float]:
        """(display, fingerprint, object_id) -> first time recorded, for --since-last-run."""
        with _errors(self.path):
            rows = self.db.execute(
                "SELECT r.display, f.fingerprint, f.object_id, min(f.first_seen) FROM findings f "
                "JOIN repositories r ON r.identity = f.identity "
                "GROUP BY r.display, f.fingerprint, f.object_id"
            )
            return {(str(r[0]), str(r[1]), str(r[2])): float(r[3]) for r in rows}


def _with_verifications(store: Store, results: list[ScanResult]) -> list[ScanResult]:
    """Findings carry the last `scan --verify` answer recorded for their fingerprint."""
    from scaffold.remedy.records import verifications
    from scaffold.verify.apply import with_verifications

    answers = verifications(store)
    return [with_verifications(r, answers) for r in results] if answers else results


def _rule_json(rule: RuleInfo) -> str:
    from scaffold.org.stored import rule_to_json

    return rule_to_json(rule)

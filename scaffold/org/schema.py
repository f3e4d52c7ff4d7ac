"""The datastore's SQLite schema and its versions: create, migrate, or refuse clearly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from scaffold.errors import ScaffoldError

# 'SCAF': marks a file as a scaffold datastore so we never adopt someone else's database.
APPLICATION_ID = 0x53434146
SCHEMA_VERSION = 3

_V1 = """
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  started REAL NOT NULL,
  finished REAL,
  rules_version TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'running',
  shard TEXT NOT NULL DEFAULT ''
);
-- content scanned under a rules version; matched=0 is skipped next time, matched=1 rescanned
CREATE TABLE contents(
  content_id TEXT NOT NULL,
  rules_version TEXT NOT NULL,
  matched INTEGER NOT NULL,
  run_id INTEGER NOT NULL,
  PRIMARY KEY(content_id, rules_version)
) WITHOUT ROWID;
CREATE TABLE rules(
  rules_version TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  info TEXT NOT NULL,
  PRIMARY KEY(rules_version, rule_id)
) WITHOUT ROWID;
CREATE TABLE repositories(
  identity TEXT PRIMARY KEY,
  display TEXT NOT NULL,
  location TEXT NOT NULL,
  status TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  scan_key TEXT NOT NULL DEFAULT '',
  refs_digest TEXT NOT NULL DEFAULT '',
  refs_stat TEXT NOT NULL DEFAULT '',
  rules_version TEXT NOT NULL DEFAULT '',
  scanned_at REAL,
  seconds REAL NOT NULL DEFAULT 0,
  blobs_scanned INTEGER NOT NULL DEFAULT 0,
  bytes_scanned INTEGER NOT NULL DEFAULT 0,
  commits_seen INTEGER NOT NULL DEFAULT 0,
  suppressed INTEGER NOT NULL DEFAULT 0,
  warnings TEXT NOT NULL DEFAULT '[]',
  skipped TEXT NOT NULL DEFAULT '[]',
  run_id INTEGER
);
-- never the secret: its fingerprint, a redacted preview and its length
CREATE TABLE findings(
  identity TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  source TEXT NOT NULL,
  object_id TEXT NOT NULL,
  line INTEGER NOT NULL,
  col INTEGER NOT NULL,
  start_offset INTEGER NOT NULL,
  end_offset INTEGER NOT NULL,
  rule TEXT NOT NULL,
  preview TEXT NOT NULL,
  secret_length INTEGER NOT NULL,
  validation TEXT NOT NULL,
  provenance TEXT NOT NULL,
  refs TEXT NOT NULL,
  in_head INTEGER NOT NULL,
  first_seen REAL NOT NULL,
  first_run INTEGER NOT NULL,
  PRIMARY KEY(identity, fingerprint, source, object_id, line, col)
) WITHOUT ROWID;
"""

# `scan --verify` answers and what was done about a leak (scaffold/remedy/records.py): one row
# per fingerprint and per action, never the secret.
_V2 = """
CREATE TABLE verifications(
  fingerprint TEXT PRIMARY KEY,
  rule TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  checked_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE remedies(
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  action TEXT NOT NULL,
  at TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
"""

# Why a repository's last scan was incomplete (ScanResult.gaps), kept so that a rerun that
# finds it unchanged still says so, and exits 4.
_V3 = """
ALTER TABLE repositories ADD COLUMN gaps TEXT NOT NULL DEFAULT '[]';
"""

# version -> how to bring a datastore of that version to the next one
MIGRATIONS: dict[int, str] = {0: _V1, 1: _V2, 2: _V3}


class StoreError(ScaffoldError):
    """A datastore we cannot use: wrong version, not ours, unreadable, disk full."""


def prepare(db: sqlite3.Connection, path: Path) -> None:
    """Bring a freshly opened datastore to SCHEMA_VERSION, or refuse with one clear line."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    app = int(db.execute("PRAGMA application_id").fetchone()[0])
    tables = db.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
    if app != APPLICATION_ID and (version or tables):
        raise StoreError(f"{path}: not a scaffold datastore (it holds other tables)")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: datastore schema version {version} is newer than this scaffold "
            f"understands ({SCHEMA_VERSION}); upgrade scaffold or use another --datastore"
        )
    if version == SCHEMA_VERSION:
        return
    while version < SCHEMA_VERSION:
        # each migration and its version bump land together or not at all
        db.executescript(
            f"BEGIN IMMEDIATE; PRAGMA application_id = {APPLICATION_ID}; {MIGRATIONS[version]}"
            f"PRAGMA user_version = {version + 1}; COMMIT;"
        )
        version += 1

"""Versioned schema migrations for the SQLite stores, run when a store opens.

Each store (a `component`: rooms, templates, outbox; two may share one file) has an ordered list of migrations
numbered from 1; the table `schema_versions` records how far each component's schema in this file has come.
Every migration runs in its own transaction with its record, so a crash mid-upgrade leaves the last complete
version. Migrations are written to be idempotent (CREATE ... IF NOT EXISTS, add a column only if missing): a
database made by a release before versioning existed has no record, and running them all brings it up.
A database newer than this code (after a downgrade) is refused rather than misread.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


class SchemaTooNew(RuntimeError):
    """The database was written by a newer release than this one."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


def sql(script: str) -> Callable[[sqlite3.Connection], None]:
    """A migration step from DDL statements separated by `;` (no `;` inside them)."""
    statements = [s.strip() for s in script.split(";") if s.strip()]

    def apply(db: sqlite3.Connection) -> None:
        for statement in statements:
            db.execute(statement)

    return apply


def add_columns(table: str, *columns: tuple[str, str]) -> Callable[[sqlite3.Connection], None]:
    """A migration step adding `(name, SQL type)` columns the table does not have yet."""

    def apply(db: sqlite3.Connection) -> None:
        existing = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for name, sql_type in columns:
            if name not in existing:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}")

    return apply


def steps(*parts: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    def apply(db: sqlite3.Connection) -> None:
        for part in parts:
            part(db)

    return apply


def schema_version(db: sqlite3.Connection, component: str) -> int:
    """The component's recorded version; 0 for a database made before versioning (or a new one)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_versions "
        "(component TEXT PRIMARY KEY, version INTEGER NOT NULL, migrated_at REAL NOT NULL)"
    )
    row = db.execute("SELECT version FROM schema_versions WHERE component=?", (component,)).fetchone()
    return int(row[0]) if row else 0


def migrate(db: sqlite3.Connection, component: str, migrations: Sequence[Migration]) -> int:
    """Bring `component` up to the last of `migrations`; returns the version reached.

    `db` must be in autocommit mode (isolation_level=None), as SqliteThread opens it.
    """
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(migrations) + 1)):
        raise ValueError(f"{component}: migrations must be numbered 1..N in order, got {versions}")
    current = schema_version(db, component)
    latest = len(migrations)
    if current > latest:
        raise SchemaTooNew(
            f"the {component} schema in this database is version {current}, newer than this release knows "
            f"({latest}): run the release that wrote it, or restore a backup made for this one"
        )
    for migration in migrations[current:]:
        db.execute("BEGIN IMMEDIATE")  # one writer migrates; another node's opener waits, then sees it done
        try:
            if schema_version(db, component) >= migration.version:
                db.execute("ROLLBACK")
                continue
            migration.apply(db)
            db.execute(
                "INSERT INTO schema_versions (component, version, migrated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(component) DO UPDATE SET version=excluded.version, migrated_at=excluded.migrated_at",
                (component, migration.version, time.time()),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return latest

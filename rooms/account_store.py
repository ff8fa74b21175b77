"""Where people, branches, sessions, password-reset links and API keys are kept.

The node's SQLite file `workspace.sqlite3` (WAL) through one connection on one thread (`SqliteThread`), like the
rooms' store. Secrets are never stored: sessions, reset links and API keys are kept as SHA-256 hashes of
random 256-bit values (a slow hash adds nothing against guessing 256 bits), passwords as argon2id hashes.
In Redis (multi-node) mode these tables stay in each node's SQLite: sign-ins are per node there.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any, TypeVar

from rooms.accounts import ApiKey, Branch, Membership, Person, WorkspaceRole
from rooms.errors import Conflict
from rooms.migrations import Migration, migrate, sql
from rooms.sqlite_thread import SqliteStore

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS organisation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS branches (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS people (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT,
    created_at REAL NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS memberships (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    branch_id TEXT NOT NULL,  -- '' is headquarters
    role TEXT NOT NULL,
    PRIMARY KEY (person_id, branch_id, role)
);
CREATE INDEX IF NOT EXISTS memberships_branch ON memberships (branch_id, role);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_person ON sessions (person_id);
CREATE TABLE IF NOT EXISTS reset_links (
    token_hash TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_by TEXT NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL
);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    branch_id TEXT NOT NULL,  -- '' is headquarters
    created_by TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_used_at REAL,
    revoked_at REAL
);
"""

API_KEY_PREFIX = "oik_"
WORKSPACE_DB = "workspace.sqlite3"  # in the data directory
LAST_USED_RESOLUTION_S = 60.0


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_id() -> str:
    return secrets.token_urlsafe(9)


class SqliteAccountStore(SqliteStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path, "accounts", _open_accounts)

    @property
    def _db(self) -> sqlite3.Connection:  # this store's name for SqliteStore._conn
        return self._conn

    # Organisation and branches

    async def organisation_name(self, default: str) -> str:
        row = await self._run(lambda: self._db.execute("SELECT name FROM organisation").fetchone())
        return row[0] if row else default

    async def set_organisation_name(self, name: str) -> None:
        await self._run(
            lambda: self._db.execute(
                "INSERT INTO organisation (id, name) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET name=excluded.name",
                (name,),
            )
        )

    async def create_branch(self, name: str) -> Branch:
        branch = Branch(new_id(), name, time.time())

        def insert() -> None:
            try:
                self._db.execute(
                    "INSERT INTO branches (id, name, created_at) VALUES (?, ?, ?)",
                    (branch.id, branch.name, branch.created_at),
                )
            except sqlite3.IntegrityError:
                raise Conflict(f"a branch named {name!r} exists already") from None

        await self._run(insert)
        return branch

    async def branches(self) -> list[Branch]:
        rows = await self._run(
            lambda: self._db.execute("SELECT id, name, created_at FROM branches ORDER BY name").fetchall()
        )
        return [Branch(*row) for row in rows]

    async def get_branch(self, branch_id: str) -> Branch | None:
        row = await self._run(
            lambda: self._db.execute("SELECT id, name, created_at FROM branches WHERE id=?", (branch_id,)).fetchone()
        )
        return Branch(*row) if row else None

    # People

    async def create_person(self, email: str, name: str, password_hash: str | None) -> Person:
        person = Person(new_id(), email, name, time.time())

        def insert() -> None:
            try:
                self._db.execute(
                    "INSERT INTO people (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                    (person.id, email, name, password_hash, person.created_at),
                )
            except sqlite3.IntegrityError:
                raise Conflict(f"someone with the email {email} exists already") from None

        await self._run(insert)
        return person

    async def set_membership(self, person_id: str, branch_id: str | None, role: WorkspaceRole, held: bool) -> None:
        def write() -> None:
            if held:
                self._db.execute(
                    "INSERT OR IGNORE INTO memberships (person_id, branch_id, role) VALUES (?, ?, ?)",
                    (person_id, branch_id or "", role.value),
                )
            else:
                self._db.execute(
                    "DELETE FROM memberships WHERE person_id=? AND branch_id=? AND role=?",
                    (person_id, branch_id or "", role.value),
                )

        await self._run(write)

    async def get_person(self, person_id: str) -> Person | None:
        people = await self._run(self._select_people, "WHERE id=?", (person_id,))
        return people[0] if people else None

    async def people(self) -> list[Person]:
        return await self._run(self._select_people, "ORDER BY email", ())

    def _select_people(self, where: str, params: tuple[Any, ...]) -> list[Person]:
        rows = self._db.execute(f"SELECT id, email, name, created_at, disabled FROM people {where}", params).fetchall()
        if not rows:
            return []
        ids = [row[0] for row in rows]
        marks = ",".join("?" * len(ids))
        held: dict[str, list[Membership]] = {}
        for person_id, branch_id, role in self._db.execute(
            f"SELECT person_id, branch_id, role FROM memberships WHERE person_id IN ({marks}) ORDER BY branch_id, role",
            ids,
        ):
            held.setdefault(person_id, []).append(Membership(branch_id or None, WorkspaceRole(role)))
        return [
            Person(id_, email, name, created, tuple(held.get(id_, ())), bool(disabled))
            for id_, email, name, created, disabled in rows
        ]

    async def credentials(self, email: str) -> tuple[str, str | None] | None:
        """(person id, password hash) of an enabled person, for signing in."""
        return await self._run(
            lambda: self._db.execute(
                "SELECT id, password_hash FROM people WHERE email=? AND disabled=0", (email,)
            ).fetchone()
        )

    async def set_password(self, person_id: str, password_hash: str) -> None:
        """A new password ends every session of that person."""

        def write() -> None:
            with self._db:
                self._db.execute("BEGIN")
                self._db.execute("UPDATE people SET password_hash=? WHERE id=?", (password_hash, person_id))
                self._db.execute("DELETE FROM sessions WHERE person_id=?", (person_id,))

        await self._run(write)

    async def set_disabled(self, person_id: str, disabled: bool) -> bool:
        def write() -> bool:
            found = self._db.execute("UPDATE people SET disabled=? WHERE id=?", (int(disabled), person_id)).rowcount
            if disabled:
                self._db.execute("DELETE FROM sessions WHERE person_id=?", (person_id,))
            return found > 0

        return await self._run(write)

    async def count_people(self) -> int:
        return int((await self._run(lambda: self._db.execute("SELECT COUNT(*) FROM people").fetchone()))[0])

    # Sessions: the cookie holds a random id; the table holds its hash.

    async def create_session(self, person_id: str, ttl_s: float) -> tuple[str, str]:
        """A new session for a person: (session id for the cookie, CSRF token)."""
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = time.time()
        await self._run(
            lambda: self._db.execute(
                "INSERT INTO sessions (id_hash, person_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                (secret_hash(session_id), person_id, csrf, now, now + ttl_s),
            )
        )
        return session_id, csrf

    async def session(self, session_id: str) -> tuple[Person, str] | None:
        """The person a live session belongs to, and its CSRF token."""

        def read() -> tuple[Person, str] | None:
            row = self._db.execute(
                "SELECT s.person_id, s.csrf FROM sessions s JOIN people p ON p.id = s.person_id"
                " WHERE s.id_hash=? AND s.expires_at>? AND p.disabled=0",
                (secret_hash(session_id), time.time()),
            ).fetchone()
            if row is None:
                return None
            people = self._select_people("WHERE id=?", (row[0],))
            return (people[0], row[1]) if people else None

        return await self._run(read)

    async def end_session(self, session_id: str) -> None:
        await self._run(lambda: self._db.execute("DELETE FROM sessions WHERE id_hash=?", (secret_hash(session_id),)))

    async def purge_expired_sessions(self) -> int:
        return await self._run(
            lambda: self._db.execute("DELETE FROM sessions WHERE expires_at<=?", (time.time(),)).rowcount
        )

    # One-time password-reset links, issued by an admin (the server sends no email itself).

    async def create_reset_link(self, person_id: str, created_by: str, ttl_s: float) -> str:
        token = secrets.token_urlsafe(32)
        await self._run(
            lambda: self._db.execute(
                "INSERT INTO reset_links (token_hash, person_id, created_by, expires_at) VALUES (?, ?, ?, ?)",
                (secret_hash(token), person_id, created_by, time.time() + ttl_s),
            )
        )
        return token

    async def reset_link_person(self, token: str) -> str | None:
        row = await self._run(
            lambda: self._db.execute(
                "SELECT person_id FROM reset_links WHERE token_hash=? AND used_at IS NULL AND expires_at>?",
                (secret_hash(token), time.time()),
            ).fetchone()
        )
        return row[0] if row else None

    async def use_reset_link(self, token: str, password_hash: str) -> bool:
        """Set the password through a link, once: a second use (or an expired link) changes nothing."""

        def write() -> bool:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                row = self._db.execute(
                    "SELECT person_id FROM reset_links WHERE token_hash=? AND used_at IS NULL AND expires_at>?",
                    (secret_hash(token), time.time()),
                ).fetchone()
                if row is None:
                    return False
                self._db.execute(
                    "UPDATE reset_links SET used_at=? WHERE token_hash=?", (time.time(), secret_hash(token))
                )
                self._db.execute("UPDATE people SET password_hash=? WHERE id=?", (password_hash, row[0]))
                self._db.execute("DELETE FROM sessions WHERE person_id=?", (row[0],))
                return True

        return await self._run(write)

    # API keys: "oik_<id>_<secret>", shown once.

    async def create_api_key(
        self, name: str, role: WorkspaceRole, branch_id: str | None, created_by: str
    ) -> tuple[ApiKey, str]:
        key = ApiKey(new_id().replace("_", "-"), name, role, branch_id, time.time(), created_by)
        secret = f"{API_KEY_PREFIX}{key.id}_{secrets.token_urlsafe(32)}"
        await self._run(
            lambda: self._db.execute(
                "INSERT INTO api_keys (id, name, key_hash, role, branch_id, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key.id, name, secret_hash(secret), role.value, branch_id or "", created_by, key.created_at),
            )
        )
        return key, secret

    async def api_keys(self) -> list[ApiKey]:
        return await self._run(self._select_keys, "ORDER BY created_at DESC", ())

    def _select_keys(self, where: str, params: tuple[Any, ...]) -> list[ApiKey]:
        rows = self._db.execute(
            "SELECT id, name, role, branch_id, created_at, created_by, last_used_at, revoked_at FROM api_keys " + where,
            params,
        ).fetchall()
        return [
            ApiKey(id_, name, WorkspaceRole(role), branch or None, created, by, used, revoked)
            for id_, name, role, branch, created, by, used, revoked in rows
        ]

    async def use_api_key(self, secret: str) -> ApiKey | None:
        """The live key a secret belongs to, its last-used time set to now."""

        def read() -> ApiKey | None:
            keys = self._select_keys("WHERE key_hash=? AND revoked_at IS NULL", (secret_hash(secret),))
            if not keys:
                return None
            # At most one write a minute per key: an integration calling many times a second writes nothing more.
            now = time.time()
            self._db.execute(
                "UPDATE api_keys SET last_used_at=? WHERE id=? AND (last_used_at IS NULL OR last_used_at<?)",
                (now, keys[0].id, now - LAST_USED_RESOLUTION_S),
            )
            return keys[0]

        return await self._run(read)

    async def revoke_api_key(self, key_id: str) -> bool:
        return await self._run(
            lambda: (
                self._db.execute(
                    "UPDATE api_keys SET revoked_at=? WHERE id=? AND revoked_at IS NULL", (time.time(), key_id)
                ).rowcount
                > 0
            )
        )


_MIGRATIONS = (Migration(1, "organisation, branches, people, roles, sessions, reset links, API keys", sql(_SCHEMA)),)


def _open_accounts(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA foreign_keys=ON")
    migrate(db, "accounts", _MIGRATIONS)

"""Where positions, candidates, their interviews, assignments and activity are kept.

The node's `workspace.sqlite3` (WAL), one connection on one thread, beside the accounts' tables. The board reads
one table (`candidates`), which carries what it shows (stage, scores, recommendation, flags, ratings) as the
interviews progress, so a page of 10,000 candidates is one indexed query, not a join over reports.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rooms.errors import InvalidInput
from rooms.hiring import Activity, Candidate, Position, PositionFields, Round, RoundInterview, Stage
from rooms.migrations import Migration, add_columns, migrate, sql
from rooms.model import RoomMode
from rooms.sqlite_thread import SqliteStore

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS positions (
    id TEXT PRIMARY KEY,
    branch_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    language TEXT,
    retention_days INTEGER,
    rounds TEXT NOT NULL,
    interviewer_ids TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS positions_branch ON positions (branch_id, created_at);
CREATE TABLE IF NOT EXISTS candidates (
    id TEXT PRIMARY KEY,
    position_id TEXT NOT NULL REFERENCES positions(id),
    branch_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,  -- casefolded, for search
    email TEXT,
    phone TEXT,
    timezone TEXT,
    round INTEGER NOT NULL,
    room_id TEXT,
    stage TEXT NOT NULL,
    overall REAL,
    dimensions TEXT NOT NULL DEFAULT '{}',
    recommendation TEXT,
    flags TEXT NOT NULL DEFAULT '{}',
    flag_count INTEGER NOT NULL DEFAULT 0,
    rating REAL,
    ratings INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS candidates_position_created ON candidates (position_id, created_at);
CREATE INDEX IF NOT EXISTS candidates_position_stage ON candidates (position_id, stage, created_at);
CREATE INDEX IF NOT EXISTS candidates_position_overall ON candidates (position_id, overall);
CREATE INDEX IF NOT EXISTS candidates_position_name ON candidates (position_id, name_key);
CREATE INDEX IF NOT EXISTS candidates_room ON candidates (room_id);
CREATE TABLE IF NOT EXISTS interviews (
    room_id TEXT PRIMARY KEY,
    candidate_id TEXT NOT NULL REFERENCES candidates(id),
    round INTEGER NOT NULL,
    mode TEXT NOT NULL,
    link_hash TEXT NOT NULL,  -- the candidate link the workspace issued last
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    scheduled_at REAL,
    duration_min INTEGER NOT NULL DEFAULT 45,
    reminded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS interviews_candidate ON interviews (candidate_id, round);
CREATE INDEX IF NOT EXISTS interviews_reminders ON interviews (reminded, scheduled_at);
CREATE TABLE IF NOT EXISTS assignments (
    room_id TEXT NOT NULL REFERENCES interviews(room_id),
    person_id TEXT NOT NULL,
    PRIMARY KEY (room_id, person_id)
);
CREATE INDEX IF NOT EXISTS assignments_person ON assignments (person_id);
CREATE TABLE IF NOT EXISTS activity (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    candidate_id TEXT NOT NULL,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS activity_candidate ON activity (candidate_id, seq);
"""

SORTS = {
    "created": "created_at",
    "name": "name_key",
    "overall": "overall",
    "rating": "rating",
    "flags": "flag_count",
    "updated": "updated_at",
    "stage": "stage",
}
_CANDIDATE_COLUMNS = (
    "id, position_id, branch_id, name, email, phone, timezone, round, room_id, stage, created_at, updated_at,"
    " overall, dimensions, recommendation, flags, rating, ratings"
)
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class BoardQuery:
    position_id: str
    stage: Stage | None = None
    search: str | None = None
    sort: str = "created"
    descending: bool = True
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True, slots=True)
class BoardPage:
    candidates: list[Candidate]
    total: int  # matching the filter
    stages: dict[str, int]  # every stage's count in the position, unfiltered


@dataclass(frozen=True, slots=True)
class RoomOwner:
    """Whom a room belongs to in the workspace: what its authorization is decided by."""

    room_id: str
    candidate_id: str
    branch_id: str
    position_id: str
    links_not_before: int  # candidate links issued (iat) before this second are revoked
    expires_at: float
    interviewer_ids: tuple[str, ...]


_MIGRATIONS = (
    Migration(1, "positions, candidates, interviews, assignments, activity", sql(_SCHEMA)),
    # Candidate links issued (iat, whole seconds) before this are revoked: re-sending an invitation sets it, and
    # links made later (the QR code, the invitation text) stay valid.
    Migration(
        2,
        "candidate links revoked by issue time",
        add_columns("interviews", ("links_not_before", "INTEGER NOT NULL DEFAULT 0")),
    ),
)


def _migrate(db: sqlite3.Connection) -> None:
    migrate(db, "hiring", _MIGRATIONS)


class SqliteHiringStore(SqliteStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path, "hiring", _migrate)

    @property
    def _db(self) -> sqlite3.Connection:  # this store's name for SqliteStore._conn
        return self._conn

    # Positions

    async def create_position(self, position_id: str, branch_id: str, fields: PositionFields) -> Position:
        now = time.time()
        position = fields.position(position_id, branch_id, now, now)
        await self._run(
            lambda: self._db.execute(
                "INSERT INTO positions (id, branch_id, title, description, language, retention_days, rounds,"
                " interviewer_ids, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _position_row(position),
            )
        )
        return position

    async def update_position(self, position: Position, fields: PositionFields) -> Position:
        updated = fields.position(position.id, position.branch_id, position.created_at, time.time())
        row = _position_row(updated)
        await self._run(
            lambda: self._db.execute(
                "UPDATE positions SET branch_id=?, title=?, description=?, language=?, retention_days=?, rounds=?,"
                " interviewer_ids=?, created_at=?, updated_at=? WHERE id=?",
                (*row[1:], row[0]),
            )
        )
        return updated

    async def get_position(self, position_id: str) -> Position | None:
        rows = await self._run(self._select_positions, "WHERE id=?", (position_id,))
        return rows[0] if rows else None

    async def positions(self, branch_ids: set[str] | None) -> list[Position]:
        """Positions of these branches (None: every branch), newest first."""
        if branch_ids is None:
            return await self._run(self._select_positions, "ORDER BY created_at DESC", ())
        marks = ",".join("?" * len(branch_ids))
        return await self._run(
            self._select_positions, f"WHERE branch_id IN ({marks}) ORDER BY created_at DESC", tuple(branch_ids)
        )

    def _select_positions(self, where: str, params: tuple[Any, ...]) -> list[Position]:
        rows = self._db.execute(
            "SELECT id, branch_id, title, description, language, retention_days, rounds, interviewer_ids,"
            f" created_at, updated_at FROM positions {where}",
            params,
        ).fetchall()
        return [
            Position(
                id_,
                branch,
                title,
                description,
                language,
                retention,
                tuple(Round(r["template_id"], RoomMode(r["mode"])) for r in json.loads(rounds)),
                tuple(json.loads(interviewers)),
                created,
                updated,
            )
            for id_, branch, title, description, language, retention, rounds, interviewers, created, updated in rows
        ]

    # Candidates and their interviews

    async def add_candidates(self, entries: Sequence[tuple[Candidate, RoundInterview, str]], actor: str) -> None:
        """Candidates with their first interview (and its link's hash), all or none."""

        def write() -> None:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                for candidate, interview, link_hash in entries:
                    self._db.execute(
                        "INSERT INTO candidates (id, position_id, branch_id, name, name_key, email, phone,"
                        " timezone, round, room_id, stage, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            candidate.id,
                            candidate.position_id,
                            candidate.branch_id,
                            candidate.name,
                            candidate.name.casefold(),
                            candidate.email,
                            candidate.phone,
                            candidate.timezone,
                            candidate.round,
                            candidate.room_id,
                            candidate.stage.value,
                            candidate.created_at,
                            candidate.updated_at,
                        ),
                    )
                    self._insert_interview(interview, link_hash)
                    self._insert_activity(
                        Activity(candidate.id, candidate.created_at, "invited", actor, {"room_id": interview.room_id})
                    )

        await self._run(write)

    def _insert_interview(self, interview: RoundInterview, link_hash: str) -> None:
        self._db.execute(
            "INSERT INTO interviews (room_id, candidate_id, round, mode, link_hash, created_at, expires_at,"
            " scheduled_at, duration_min) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                interview.room_id,
                interview.candidate_id,
                interview.round,
                interview.mode.value,
                link_hash,
                interview.created_at,
                interview.expires_at,
                interview.scheduled_at,
                interview.duration_min,
            ),
        )

    async def next_round(self, candidate_id: str, interview: RoundInterview, link_hash: str, actor: str) -> None:
        """The candidate's next interview: a new room, the candidate back to "invited" with no scores yet."""

        def write() -> None:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._insert_interview(interview, link_hash)
                self._db.execute(
                    "UPDATE candidates SET round=?, room_id=?, stage=?, overall=NULL, dimensions='{}',"
                    " recommendation=NULL, flags='{}', flag_count=0, rating=NULL, ratings=0, updated_at=?"
                    " WHERE id=?",
                    (interview.round, interview.room_id, Stage.INVITED.value, time.time(), candidate_id),
                )
                self._insert_activity(
                    Activity(
                        candidate_id,
                        time.time(),
                        "next_round",
                        actor,
                        {"round": interview.round, "room_id": interview.room_id},
                    )
                )

        await self._run(write)

    async def forget_room(self, room_id: str) -> bool:
        """A room was deleted (on request or by retention): its interview goes, and the candidate with their
        contact details and activity when it was their last interview. True when the candidate went too."""

        def write() -> bool:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                row = self._db.execute("SELECT candidate_id FROM interviews WHERE room_id=?", (room_id,)).fetchone()
                if row is None:
                    return False
                (candidate_id,) = row
                self._db.execute("DELETE FROM assignments WHERE room_id=?", (room_id,))
                self._db.execute("DELETE FROM interviews WHERE room_id=?", (room_id,))
                latest = self._db.execute(
                    "SELECT room_id, round FROM interviews WHERE candidate_id=? ORDER BY round DESC LIMIT 1",
                    (candidate_id,),
                ).fetchone()
                if latest is None:
                    self._db.execute("DELETE FROM activity WHERE candidate_id=?", (candidate_id,))
                    self._db.execute("DELETE FROM candidates WHERE id=?", (candidate_id,))
                    return True
                # Its current interview is gone: the row shows the latest one left, without the deleted results.
                self._db.execute(
                    "UPDATE candidates SET room_id=?, round=?, overall=NULL, dimensions='{}', recommendation=NULL,"
                    " flags='{}', flag_count=0, rating=NULL, ratings=0, updated_at=? WHERE id=? AND room_id=?",
                    (latest[0], latest[1], time.time(), candidate_id, room_id),
                )
                return False

        return await self._run(write)

    async def get_candidate(self, candidate_id: str) -> Candidate | None:
        rows = await self._run(self._select_candidates, "WHERE id=?", (candidate_id,))
        return rows[0] if rows else None

    async def candidates(self, candidate_ids: Iterable[str]) -> list[Candidate]:
        ids = list(candidate_ids)
        if not ids:
            return []
        return await self._run(self._select_candidates, f"WHERE id IN ({','.join('?' * len(ids))})", tuple(ids))

    def _select_candidates(self, where: str, params: tuple[Any, ...]) -> list[Candidate]:
        rows = self._db.execute(f"SELECT {_CANDIDATE_COLUMNS} FROM candidates {where}", params).fetchall()
        return [_candidate(row) for row in rows]

    async def board(self, query: BoardQuery) -> BoardPage:
        return await self._run(self._board, query)

    def _board(self, query: BoardQuery) -> BoardPage:
        where = ["position_id=?"]
        params: list[Any] = [query.position_id]
        if query.stage is not None:
            where.append("stage=?")
            params.append(query.stage.value)
        if query.search:
            # Substring search on the casefolded name; LIKE's wildcards in the input are matched literally.
            escaped = query.search.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("name_key LIKE ? ESCAPE '\\'")
            params.append(f"%{escaped}%")
        clause = " AND ".join(where)
        column = SORTS[query.sort]
        direction = "DESC" if query.descending else "ASC"
        # Unscored candidates last whichever way scores are sorted; the id breaks ties so pages never overlap.
        order = f"{column} IS NULL, {column} {direction}, id {direction}"
        offset = (query.page - 1) * query.per_page
        rows = self._db.execute(
            f"SELECT {_CANDIDATE_COLUMNS} FROM candidates WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?",
            (*params, query.per_page, offset),
        ).fetchall()
        total = self._db.execute(f"SELECT COUNT(*) FROM candidates WHERE {clause}", params).fetchone()[0]
        stages = dict(
            self._db.execute(
                "SELECT stage, COUNT(*) FROM candidates WHERE position_id=? GROUP BY stage", (query.position_id,)
            ).fetchall()
        )
        return BoardPage([_candidate(row) for row in rows], total, {s.value: stages.get(s.value, 0) for s in Stage})

    async def advance_stage(self, room_id: str, stage: Stage, only_from: Sequence[Stage]) -> Candidate | None:
        """Move the candidate whose current interview is this room to `stage` if it is in `only_from`."""

        def write() -> Candidate | None:
            marks = ",".join("?" * len(only_from))
            self._db.execute(
                f"UPDATE candidates SET stage=?, updated_at=? WHERE room_id=? AND stage IN ({marks})",
                (stage.value, time.time(), room_id, *(s.value for s in only_from)),
            )
            rows = self._select_candidates("WHERE room_id=?", (room_id,))
            return rows[0] if rows else None

        return await self._run(write)

    async def set_results(
        self,
        room_id: str,
        overall: float | None,
        dimensions: dict[str, float | None],
        recommendation: str | None,
        flags: dict[str, int],
    ) -> None:
        await self._run(
            lambda: self._db.execute(
                "UPDATE candidates SET overall=?, dimensions=?, recommendation=?, flags=?, flag_count=?, updated_at=?"
                " WHERE room_id=?",
                (
                    overall,
                    json.dumps(dimensions),
                    recommendation,
                    json.dumps(flags),
                    sum(flags.values()),
                    time.time(),
                    room_id,
                ),
            )
        )

    async def waiting_rooms(self, after_rowid: int, limit: int) -> list[tuple[int, str, str]]:
        """(rowid, room id, stage) of candidates whose interview has not completed, in rowid order from a cursor."""
        return await self._run(
            lambda: self._db.execute(
                "SELECT rowid, room_id, stage FROM candidates WHERE stage IN (?, ?) AND room_id IS NOT NULL"
                " AND rowid>? ORDER BY rowid LIMIT ?",
                (Stage.INVITED.value, Stage.STARTED.value, after_rowid, limit),
            ).fetchall()
        )

    async def set_rating(self, room_id: str, mean: float | None, count: int) -> None:
        await self._run(
            lambda: self._db.execute(
                "UPDATE candidates SET rating=?, ratings=?, updated_at=? WHERE room_id=?",
                (mean, count, time.time(), room_id),
            )
        )

    async def set_stage(self, candidate_id: str, stage: Stage) -> None:
        await self._run(
            lambda: self._db.execute(
                "UPDATE candidates SET stage=?, updated_at=? WHERE id=?", (stage.value, time.time(), candidate_id)
            )
        )

    async def room_owner(self, room_id: str) -> RoomOwner | None:
        def read() -> RoomOwner | None:
            row = self._db.execute(
                "SELECT i.room_id, i.candidate_id, c.branch_id, c.position_id, i.links_not_before, i.expires_at"
                " FROM interviews i JOIN candidates c ON c.id = i.candidate_id WHERE i.room_id=?",
                (room_id,),
            ).fetchone()
            if row is None:
                return None
            people = self._db.execute("SELECT person_id FROM assignments WHERE room_id=?", (room_id,)).fetchall()
            room, candidate, branch, position, link_hash, expires_at = row
            interviewers = tuple(p for (p,) in people)
            return RoomOwner(room, candidate, branch, position, link_hash, expires_at, interviewers)

        return await self._run(read)

    async def interviews_of(self, candidate_id: str) -> list[RoundInterview]:
        return await self._run(self._select_interviews, "WHERE candidate_id=? ORDER BY round", (candidate_id,))

    async def get_interview(self, room_id: str) -> RoundInterview | None:
        rows = await self._run(self._select_interviews, "WHERE room_id=?", (room_id,))
        return rows[0] if rows else None

    def _select_interviews(self, where: str, params: tuple[Any, ...]) -> list[RoundInterview]:
        rows = self._db.execute(
            "SELECT room_id, candidate_id, round, mode, created_at, expires_at, scheduled_at, duration_min"
            f" FROM interviews {where}",
            params,
        ).fetchall()
        result = []
        for room_id, candidate_id, round_, mode, created, expires, scheduled, duration in rows:
            people = self._db.execute(
                "SELECT person_id FROM assignments WHERE room_id=? ORDER BY person_id", (room_id,)
            ).fetchall()
            result.append(
                RoundInterview(
                    room_id,
                    candidate_id,
                    round_,
                    RoomMode(mode),
                    created,
                    expires,
                    scheduled,
                    duration,
                    tuple(p for (p,) in people),
                )
            )
        return result

    async def replace_link(self, room_id: str, link_hash: str, expires_at: float, not_before: int) -> None:
        """Re-send: links issued before `not_before` (whole seconds) are revoked; the new one has a new expiry."""
        await self._run(
            lambda: self._db.execute(
                "UPDATE interviews SET link_hash=?, expires_at=?, links_not_before=? WHERE room_id=?",
                (link_hash, expires_at, not_before, room_id),
            )
        )

    async def schedule(
        self, room_id: str, scheduled_at: float | None, duration_min: int, interviewer_ids: Sequence[str]
    ) -> None:
        def write() -> None:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(
                    "UPDATE interviews SET scheduled_at=?, duration_min=?, reminded=0 WHERE room_id=?",
                    (scheduled_at, duration_min, room_id),
                )
                self._db.execute("DELETE FROM assignments WHERE room_id=?", (room_id,))
                self._db.executemany(
                    "INSERT INTO assignments (room_id, person_id) VALUES (?, ?)",
                    [(room_id, p) for p in dict.fromkeys(interviewer_ids)],
                )

        await self._run(write)

    async def assigned_to(self, person_id: str) -> list[tuple[RoundInterview, Candidate]]:
        """A person's interviews, soonest first (unscheduled last)."""

        def read() -> list[tuple[RoundInterview, Candidate]]:
            rooms = [
                r
                for (r,) in self._db.execute(
                    "SELECT room_id FROM assignments WHERE person_id=?", (person_id,)
                ).fetchall()
            ]
            pairs = []
            for room_id in rooms:
                interviews = self._select_interviews("WHERE room_id=?", (room_id,))
                candidates = self._select_candidates("WHERE id=?", (interviews[0].candidate_id,)) if interviews else []
                if interviews and candidates:
                    pairs.append((interviews[0], candidates[0]))
            pairs.sort(key=lambda p: (p[0].scheduled_at is None, p[0].scheduled_at or 0.0))
            return pairs

        return await self._run(read)

    async def due_reminders(self, before: float) -> list[RoundInterview]:
        """Scheduled interviews starting before `before` whose reminder has not gone out, not yet started."""
        return await self._run(
            self._select_interviews,
            "WHERE reminded=0 AND scheduled_at IS NOT NULL AND scheduled_at<=? AND scheduled_at>?",
            (before, time.time()),
        )

    async def mark_reminded(self, room_id: str) -> None:
        await self._run(lambda: self._db.execute("UPDATE interviews SET reminded=1 WHERE room_id=?", (room_id,)))

    # Activity

    async def log(self, activity: Activity) -> None:
        await self._run(self._insert_activity, activity)

    def _insert_activity(self, activity: Activity) -> None:
        self._db.execute(
            "INSERT INTO activity (candidate_id, at, kind, actor, detail) VALUES (?, ?, ?, ?, ?)",
            (
                activity.candidate_id,
                activity.at,
                activity.kind,
                activity.actor,
                json.dumps(activity.detail) if activity.detail else None,
            ),
        )

    async def activity(self, candidate_id: str, limit: int = 500) -> list[Activity]:
        rows = await self._run(
            lambda: self._db.execute(
                "SELECT candidate_id, at, kind, actor, detail FROM activity WHERE candidate_id=? ORDER BY seq LIMIT ?",
                (candidate_id, limit),
            ).fetchall()
        )
        return [
            Activity(c, at, kind, actor, json.loads(detail) if detail else None) for c, at, kind, actor, detail in rows
        ]


def parse_board_query(position_id: str, query: dict[str, str]) -> BoardQuery:
    """The board's query string, validated: stage, q, sort, order, page, per_page."""
    stage = None
    if query.get("stage"):
        try:
            stage = Stage(query["stage"])
        except ValueError:
            raise InvalidInput(f"'stage' must be one of {', '.join(s.value for s in Stage)}") from None
    sort = query.get("sort", "created")
    if sort not in SORTS:
        raise InvalidInput(f"'sort' must be one of {', '.join(SORTS)}")
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise InvalidInput("'order' must be 'asc' or 'desc'")
    search = query.get("q", "").strip() or None
    if search is not None and len(search) > 100:
        raise InvalidInput("'q' is longer than 100 characters")
    page = _int(query.get("page", "1"), "page", 1, 1_000_000)
    per_page = _int(query.get("per_page", "50"), "per_page", 1, MAX_PAGE)
    return BoardQuery(position_id, stage, search, sort, order == "desc", page, per_page)


def _int(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"'{name}' must be an integer") from None
    if not low <= number <= high:
        raise InvalidInput(f"'{name}' must be between {low} and {high}")
    return number


def _position_row(p: Position) -> tuple[Any, ...]:
    return (
        p.id,
        p.branch_id,
        p.title,
        p.description,
        p.language,
        p.retention_days,
        json.dumps([r.to_public() for r in p.rounds]),
        json.dumps(list(p.interviewer_ids)),
        p.created_at,
        p.updated_at,
    )


def _candidate(row: tuple[Any, ...]) -> Candidate:
    (id_, position, branch, name, email, phone, tz, round_, room, stage, created, updated, overall, dims, rec, flags,
     rating, ratings) = row  # fmt: skip
    return Candidate(
        id_,
        position,
        branch,
        name,
        email,
        phone,
        tz,
        round_,
        room,
        Stage(stage),
        created,
        updated,
        overall,
        json.loads(dims),
        rec,
        json.loads(flags),
        rating,
        ratings,
    )

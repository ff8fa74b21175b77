"""One SQLite connection on one dedicated thread: how every embedded store here touches disk.

The event loop never blocks on SQLite, and a connection is never used by two threads. WAL journal, so readers
(another store's connection on the same file, a backup) do not block the writer; synchronous=NORMAL keeps WAL
durable across a process crash (only an OS crash may lose the last commits).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class SqliteThread:
    """`open()` connects and applies `schema` (then `on_open`, for migrations), `run()` calls on the thread."""

    def __init__(
        self,
        path: Path,
        schema: str,
        name: str,
        on_open: Callable[[sqlite3.Connection], None] | None = None,
        busy_timeout_s: float = 10.0,
    ) -> None:
        self._path = path
        self._schema = schema
        self._name = name
        self._on_open = on_open
        # Several stores may share one file: wait for another connection's write instead of "database is locked".
        self._busy_timeout_s = busy_timeout_s
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sqlite-{name}")
        self._db: sqlite3.Connection | None = None

    async def open(self) -> None:
        await self.run(self._open_sync)

    def _open_sync(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None, timeout=self._busy_timeout_s)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(self._schema)
        if self._on_open is not None:
            self._on_open(db)
        self._db = db

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection; use it only inside a function passed to `run`."""
        if self._db is None:
            raise RuntimeError(f"the {self._name} database is not open")
        return self._db

    async def close(self) -> None:
        if self._db is not None:
            await self.run(self._db.close)
            self._db = None
        self._executor.shutdown(wait=True)


class SqliteStore:
    """What every embedded store shares: its SqliteThread, opened with the store's migrations (`on_open`), and the
    `_run` / `_conn` its methods use. A store subclasses it and adds its queries."""

    def __init__(self, path: Path, name: str, on_open: Callable[[sqlite3.Connection], None]) -> None:
        self._sql = SqliteThread(path, "", name, on_open=on_open)

    async def open(self) -> None:
        await self._sql.open()

    async def close(self) -> None:
        await self._sql.close()

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on the store's thread, where `_conn` may be used."""
        return await self._sql.run(fn, *args)

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._sql.conn

"""Issue 14, finding 6 (permissions): interviews.sqlite3 and the recordings were 0644 in 0755 folders. A running
server's data directory is now its user's only: every folder 0700, every file 0600."""

from __future__ import annotations

import stat

from tests.support.server_process import RunningServer


def test_every_file_the_server_writes_is_private(server: RunningServer) -> None:
    server.create_room(title="permissions")
    paths = [server.data_dir, *server.data_dir.rglob("*")]
    assert any(p.name == "interviews.sqlite3" for p in paths)
    wrong = {
        str(p): oct(stat.S_IMODE(p.stat().st_mode))
        for p in paths
        if p.exists() and stat.S_IMODE(p.stat().st_mode) != (0o700 if p.is_dir() else 0o600)
    }
    assert not wrong, wrong

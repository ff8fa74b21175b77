"""A restarted server keeps its rooms, their timelines and their reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.server_process import ADMIN_TOKEN, start_server, stop_server


def test_rooms_and_reports_survive_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        ended = server.create_room(title="Ended before the restart")
        waiting = server.create_room(title="Still waiting")
        status, _ = server.request("POST", f"/api/rooms/{ended['id']}/end")
        assert status == 200
        report, _ = server.wait_for_report(ended["id"], token=ADMIN_TOKEN)
    finally:
        stop_server(server)

    server = start_server(data_dir)
    try:
        assert server.request("GET", f"/api/rooms/{ended['id']}")[1]["status"] == "ended"
        assert server.request("GET", f"/api/rooms/{waiting['id']}")[1]["status"] == "waiting"
        status, again = server.request("GET", f"/api/rooms/{ended['id']}/report")
        assert status == 200 and again == report
        # Links handed out before the restart still open their pages: the signing key is kept.
        status, page = server.request("GET", waiting["candidate_url"], token=None)
        assert status == 200 and 'id="join"' in page
    finally:
        stop_server(server)


@pytest.mark.parametrize("value", ["not-an-address", "999.1.1.1"])
def test_bad_ice_host_is_refused_at_start(tmp_path: Path, value: str) -> None:
    with pytest.raises(RuntimeError, match="exited early"):
        start_server(tmp_path / "data", "--ice-host", value)

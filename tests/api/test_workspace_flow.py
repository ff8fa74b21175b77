"""The HR workspace's flows through the API, app in process: sign-in, invitations, board, decisions, schedule."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from openpyxl import Workbook

from rooms.accounts import Membership, WorkspaceRole
from rooms.outbox import EventType
from run import main as run_main
from server.keys import ACCOUNTS, HIRING, INTERVIEWS, OUTBOX, STORE
from server.workspace_events import reconcile, remind_due
from tests.api.conftest import ClientFactory
from tests.support.workspace import PASSWORD, Actor, add_person, sign_in

R = WorkspaceRole


async def _setup(client: TestClient) -> tuple[Actor, str, str]:
    """An HQ admin, a branch, and a one-round live position in it."""
    app = client.server.app
    admin = await add_person(app, "admin@example.com", Membership(None, R.ADMIN))
    branch = await app[ACCOUNTS].create_branch("Shanghai")
    response = await client.post(
        "/api/workspace/positions", json={"branch_id": branch.id, "title": "Store manager"}, headers=admin.headers
    )
    assert response.status == 201, await response.text()
    return admin, branch.id, (await response.json())["id"]


def _csv(rows: list[str]) -> bytes:
    return ("name,email,phone,timezone\n" + "\n".join(rows) + "\n").encode()


async def _upload(client: TestClient, headers: dict[str, str], position: str, name: str, payload: bytes) -> dict:
    form = FormData()
    form.add_field("file", payload, filename=name, content_type="application/octet-stream")
    response = await client.post(f"/api/workspace/positions/{position}/candidates/upload", data=form, headers=headers)
    assert response.status in (200, 201), await response.text()
    return await response.json()


async def test_sign_in_with_the_form_then_sign_out(make_client: ClientFactory) -> None:
    client = await make_client()
    await add_person(client.server.app, "hr@example.com", Membership(None, R.HR))
    login = await client.get("/login")
    assert login.status == 200
    page = await login.text()
    assert 'type="email"' in page and 'type="password"' in page
    assert (await client.get("/workspace", allow_redirects=False)).headers["Location"].startswith("/login?next=")
    csrf, cookie = await sign_in(client, "hr@example.com")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert (await client.get("/workspace", allow_redirects=False)).status == 200
    # Signing out needs the CSRF token too: another site cannot sign anyone out.
    assert (await client.post("/logout", data={}, allow_redirects=False)).status == 403
    out = await client.post("/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert out.status == 303 and out.headers["Location"] == "/login"
    assert (await client.get("/api/workspace/me")).status == 401


async def test_a_wrong_password_or_a_forged_form_does_not_sign_in(make_client: ClientFactory) -> None:
    client = await make_client()
    await add_person(client.server.app, "hr@example.com", Membership(None, R.HR))
    page = await (await client.get("/login")).text()
    token = page.split('name="form_token" value="', 1)[1].split('"', 1)[0]
    wrong = await client.post("/login", data={"email": "hr@example.com", "password": "nope", "form_token": token})
    assert wrong.status == 401 and "Wrong email or password" in await wrong.text()
    client.session.cookie_jar.clear()
    forged = await client.post("/login", data={"email": "hr@example.com", "password": PASSWORD, "form_token": "x"})
    assert forged.status == 400
    assert (await client.get("/api/workspace/me")).status == 401


async def test_an_admin_issued_reset_link_works_once(make_client: ClientFactory) -> None:
    client = await make_client()
    admin = await add_person(client.server.app, "admin@example.com", Membership(None, R.ADMIN))
    created = await client.post(
        "/api/workspace/people",
        json={"email": "New.Person@Example.com", "name": "New Person", "memberships": [{"role": "viewer"}]},
        headers=admin.headers,
    )
    assert created.status == 201
    person = await created.json()
    assert person["email"] == "new.person@example.com"
    link = person["password_reset_url"]
    assert (await client.get(link)).status == 200
    short = await client.post(link, data={"password": "short", "repeat": "short"})
    assert short.status == 400
    done = await client.post(
        link, data={"password": "a new password!", "repeat": "a new password!"}, allow_redirects=False
    )
    assert done.status == 303
    assert (await client.get(link)).status == 410  # used
    await sign_in(client, "new.person@example.com", "a new password!")


def test_create_admin_reads_the_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python run.py create-admin EMAIL` with the password piped in (run.main is what the script runs)."""

    def run(email: str, password: str) -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
        return run_main(["create-admin", email, "--data-dir", str(tmp_path)])

    assert run("boss@example.com", "a long enough password") == 0
    assert "boss@example.com" in capsys.readouterr().out
    assert run("boss@example.com", "a long enough password") == 1  # exists already
    assert run("other@example.com", "short") == 2
    assert (tmp_path / "workspace.sqlite3").exists()


async def test_bulk_upload_reports_bad_rows_and_creates_the_good_ones(make_client: ClientFactory) -> None:
    client = await make_client()
    admin, _, position = await _setup(client)
    rows = [f"Candidate {i},c{i}@example.com,+86 138 0000 {i:04d},Asia/Shanghai" for i in range(20)]
    rows[3] = ",nobody@example.com,,"  # no name
    rows[7] = "Bad Zone,bz@example.com,,Mars/Olympus"
    rows[11] = "Twin,c0@example.com,,"  # the same email as row 2
    result = await _upload(client, admin.headers, position, "candidates.csv", _csv(rows))
    assert [e["row"] for e in result["errors"]] == [5, 9, 13]
    assert len(result["created"]) == 17
    assert all(c["candidate_url"].startswith("/rooms/") for c in result["created"])
    board = await (await client.get(f"/api/workspace/positions/{position}/board", headers=admin.headers)).json()
    assert board["total"] == 17 and board["stages"]["invited"] == 17
    # XLSX, Chinese headers, a phone typed as a number.
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机", "邮箱"])
    sheet.append(["王小明", 13800001111, "wang@example.com"])
    sheet.append(["", None, "nobody@example.com"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = await _upload(client, admin.headers, position, "候选人.xlsx", buffer.getvalue())
    assert [c["name"] for c in result["created"]] == ["王小明"]
    assert result["created"][0]["phone"] == "13800001111"
    assert [e["row"] for e in result["errors"]] == [3]
    # A file that is not a spreadsheet is a 400, not a 500.
    form = FormData()
    form.add_field("file", b"PK\x03\x04garbage", filename="x.xlsx")
    bad = await client.post(f"/api/workspace/positions/{position}/candidates/upload", data=form, headers=admin.headers)
    assert bad.status == 400


async def test_nothing_is_half_created_when_one_candidate_is_invalid(make_client: ClientFactory) -> None:
    client = await make_client()
    admin, _, position = await _setup(client)
    response = await client.post(
        f"/api/workspace/positions/{position}/candidates",
        json={"candidates": [{"name": "Ada"}, {"name": ""}]},
        headers=admin.headers,
    )
    assert response.status == 400 and "candidates[1]" in (await response.json())["error"]
    rooms = await (await client.get("/api/rooms", headers=admin.headers)).json()
    assert rooms["rooms"] == []


async def test_the_board_filters_sorts_searches_and_pages_on_the_server(make_client: ClientFactory) -> None:
    client = await make_client()
    admin, _, position = await _setup(client)
    names = [f"Person {i:02d}" for i in range(30)] + ["Ada Lovelace", "ada byron"]
    response = await client.post(
        f"/api/workspace/positions/{position}/candidates",
        json={"candidates": [{"name": n} for n in names]},
        headers=admin.headers,
    )
    assert response.status == 201
    url = f"/api/workspace/positions/{position}/board"
    page = await (await client.get(url + "?sort=name&order=asc&per_page=10&page=2", headers=admin.headers)).json()
    assert page["total"] == 32 and [c["name"] for c in page["candidates"]][0] == "Person 08"
    found = await (await client.get(url + "?q=ADA", headers=admin.headers)).json()
    assert sorted(c["name"] for c in found["candidates"]) == ["Ada Lovelace", "ada byron"]
    assert (await (await client.get(url + "?q=%25", headers=admin.headers)).json())["total"] == 0
    assert (await (await client.get(url + "?stage=completed", headers=admin.headers)).json())["total"] == 0
    for bad in ("?stage=nope", "?sort=secret", "?page=0", "?per_page=100000"):
        assert (await client.get(url + bad, headers=admin.headers)).status == 400


async def test_resend_revokes_the_old_link_and_expired_links_do_not_open(make_client: ClientFactory) -> None:
    client = await make_client()
    admin, _, position = await _setup(client)
    created = await (
        await client.post(
            f"/api/workspace/positions/{position}/candidates",
            json={"candidates": [{"name": "Ada"}]},
            headers=admin.headers,
        )
    ).json()
    first = created["created"][0]
    assert (await client.get(first["candidate_url"])).status == 200
    resent = await (await client.post(f"/api/workspace/candidates/{first['id']}/resend", headers=admin.headers)).json()
    old = await client.get(first["candidate_url"])
    assert old.status == 401 and "replaced" in await old.text()
    assert (await client.get(resent["candidate_url"])).status == 200
    await client.server.app[HIRING].replace_link(
        first["room_id"], _hash_of(resent["candidate_url"]), time.time() - 1, 0
    )
    expired = await client.get(resent["candidate_url"])
    assert expired.status == 401 and "expired" in await expired.text()
    kinds = [
        a["kind"]
        for a in (
            await (await client.get(f"/api/workspace/candidates/{first['id']}/activity", headers=admin.headers)).json()
        )["activity"]
    ]
    assert kinds == ["invited", "opened_link", "link_resent", "opened_link"]


def _hash_of(url: str) -> str:
    from rooms.account_store import secret_hash

    return secret_hash(url.split("token=", 1)[1])


async def test_the_board_follows_the_interview_and_the_decision(make_client: ClientFactory) -> None:
    client = await make_client()
    admin, branch, position = await _setup(client)
    hr = await add_person(client.server.app, "hr@example.com", Membership(branch, R.HR))
    created = await (
        await client.post(
            f"/api/workspace/positions/{position}/candidates",
            json={"candidates": [{"name": "Ada"}]},
            headers=hr.headers,
        )
    ).json()
    candidate = created["created"][0]
    room = candidate["room_id"]
    token = candidate["candidate_url"].split("token=", 1)[1]
    consent = await client.post(
        f"/api/rooms/{room}/consent",
        json={"analysis": True, "text_version": "1", "language": "en"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert consent.status == 201, await consent.text()
    # The admin token ends the (empty) interview; the report is written and the board follows.
    end = await client.post(f"/api/rooms/{room}/end", headers={"Authorization": "Bearer " + _admin_token()})
    assert end.status == 200
    board_url = f"/api/workspace/positions/{position}/board"
    for _ in range(100):
        row = (await (await client.get(board_url, headers=hr.headers)).json())["candidates"][0]
        if row["stage"] == "completed":
            break
        await _sleep()
    assert row["stage"] == "completed"
    assert "scoring" not in row and row["overall"] is None  # nothing was measured: no score, not a made-up one
    detail = await (await client.get(f"/api/workspace/candidates/{candidate['id']}", headers=hr.headers)).json()
    # The board says "completed" at the end; the report follows within seconds (written in the background).
    for _ in range(200):
        status = (await client.get(detail["interviews"][0]["report_url"], headers=hr.headers)).status
        if status != 409:
            break
        await _sleep()
    assert status == 200
    note = await client.post(f"/api/rooms/{room}/notes", json={"text": "good", "rating": 4}, headers=hr.headers)
    assert note.status == 201
    decision = await client.put(
        f"/api/rooms/{room}/decision", json={"decision": "advance", "note": "strong"}, headers=hr.headers
    )
    assert decision.status == 200, await decision.text()
    row = (await (await client.get(board_url, headers=hr.headers)).json())["candidates"][0]
    assert row["stage"] == "advanced" and row["rating"] == 4 and row["ratings"] == 1
    activity = await (
        await client.get(f"/api/workspace/candidates/{candidate['id']}/activity", headers=hr.headers)
    ).json()
    kinds = [a["kind"] for a in activity["activity"]]
    assert kinds[:2] == ["invited", "consent_recorded"] and activity["activity"][1]["detail"]["analysis"] is True
    assert "ended" in kinds and "report_ready" in kinds and kinds[-1] == "decision"
    assert activity["activity"][-1]["actor"] == "hr"


async def test_next_round_schedule_calendar_file_and_reminder(make_client: ClientFactory) -> None:
    client = await make_client(webhook_allowed_networks=("127.0.0.1/32",))  # the HR system on loopback
    app = client.server.app
    admin = await add_person(app, "admin@example.com", Membership(None, R.ADMIN))
    branch = await app[ACCOUNTS].create_branch("Shanghai")
    other = await app[ACCOUNTS].create_branch("Beijing")
    interviewer = await add_person(app, "int@example.com", Membership(other.id, R.INTERVIEWER))
    position = await (
        await client.post(
            "/api/workspace/positions",
            json={
                "branch_id": branch.id,
                "title": "Analyst",
                "retention_days": 30,
                "rounds": [{"mode": "live"}, {"mode": "live"}],
                "interviewer_ids": [interviewer.id],
            },
            headers=admin.headers,
        )
    ).json()
    created = await (
        await client.post(
            f"/api/workspace/positions/{position['id']}/candidates",
            json={"candidates": [{"name": "Ada", "timezone": "Asia/Shanghai"}]},
            headers=admin.headers,
        )
    ).json()
    candidate = created["created"][0]
    nxt = await client.post(f"/api/workspace/candidates/{candidate['id']}/next-round", headers=admin.headers)
    assert nxt.status == 201
    room = (await nxt.json())["room_id"]
    stored = await (
        await client.get(f"/api/rooms/{room}", headers={"Authorization": "Bearer " + _admin_token()})
    ).json()
    assert stored["retention_days"] == 30  # the position's retention, enforced by the retention job
    assert (
        await client.post(f"/api/workspace/candidates/{candidate['id']}/next-round", headers=admin.headers)
    ).status == 409
    starts = time.time() + 1800  # in half an hour: the reminder is due now
    scheduled = await client.put(
        f"/api/workspace/interviews/{room}/schedule",
        json={"scheduled_at": starts, "duration_min": 30, "interviewer_ids": [interviewer.id]},
        headers=admin.headers,
    )
    assert scheduled.status == 200
    mine = await (await client.get("/api/workspace/my-interviews", headers=interviewer.headers)).json()
    assert [i["room_id"] for i in mine["interviews"]] == [room] and mine["interviews"][0]["lead"] is True
    opened = await client.get(
        mine["interviews"][0]["dashboard_url"], headers=interviewer.headers, allow_redirects=False
    )
    assert opened.status == 303 and f"/rooms/{room}/dashboard?token=" in opened.headers["Location"]
    assert (await client.get(opened.headers["Location"])).status == 200
    ics = await client.get(f"/api/workspace/interviews/{room}/ics", headers=interviewer.headers)
    assert ics.status == 200 and ics.content_type == "text/calendar"
    text = await ics.text()
    assert "DTSTART;TZID=Asia/Shanghai:" in text and "BEGIN:VTIMEZONE" in text
    hook = await client.post(
        "/api/webhooks",
        json={"url": "http://127.0.0.1:9/hr-system", "events": ["interview.reminder"]},
        headers=admin.headers,  # a headquarters admin's session works where the admin token does
    )
    assert hook.status == 201, await hook.text()
    assert await remind_due(app) == 1
    assert await remind_due(app) == 0  # once
    deliveries = await app[OUTBOX].deliveries()
    assert [d.event_type for d in deliveries] == [EventType.INTERVIEW_REMINDER.value]
    outside = await client.put(
        f"/api/workspace/interviews/{room}/schedule",
        json={"scheduled_at": starts, "interviewer_ids": [admin.id]},
        headers=admin.headers,
    )
    assert outside.status == 400  # not in the position's pool


def _admin_token() -> str:
    from tests.conftest import ADMIN_TOKEN

    return ADMIN_TOKEN


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.05)


async def test_every_workspace_page_renders_for_its_roles_without_inline_script_or_style(
    make_client: ClientFactory,
) -> None:
    client = await make_client()
    admin, branch, position = await _setup(client)
    app = client.server.app
    interviewer = await add_person(app, "int@example.com", Membership(branch, R.INTERVIEWER))
    viewer_other = await add_person(
        app, "view@example.com", Membership((await app[ACCOUNTS].create_branch("B")).id, R.VIEWER)
    )
    created = await (
        await client.post(
            f"/api/workspace/positions/{position}/candidates",
            json={"candidates": [{"name": "Ada"}, {"name": "Grace"}]},
            headers=admin.headers,
        )
    ).json()
    a, b = (c["id"] for c in created["created"])
    pages = [
        "/workspace",
        f"/workspace/positions/{position}",
        f"/workspace/candidates/{a}",
        f"/workspace/positions/{position}/compare?ids={a},{b}",
        "/workspace/my-interviews",
        "/workspace/admin",
    ]
    for path in pages:
        response = await client.get(path, headers=admin.headers, allow_redirects=False)
        assert response.status == 200, path
        html = await response.text()
        assert "<script>" not in html and " style=" not in html and " onclick=" not in html, path
        assert 'id="page-config"' in html
    # An interviewer lands on their interviews; other branches' pages are refused.
    home = await client.get("/workspace", headers=interviewer.headers, allow_redirects=False)
    assert home.status == 303 and home.headers["Location"] == "/workspace/my-interviews"
    assert (await client.get(f"/workspace/positions/{position}", headers=viewer_other.headers)).status == 403
    assert (await client.get("/workspace/admin", headers=interviewer.headers)).status == 403


async def test_the_workspace_speaks_chinese_when_asked(make_client: ClientFactory) -> None:
    client = await make_client()
    admin, _, position = await _setup(client)
    login = await client.get("/login?lang=zh-CN")
    assert "登录" in await login.text()
    board = await client.get(f"/workspace/positions/{position}", headers={**admin.headers, "Accept-Language": "zh-CN"})
    html = await board.text()
    assert "招聘流程" in html and "邀请候选人" in html
    assert '"locale": "zh-CN"' in html or '"locale":"zh-CN"' in html  # the scripts' catalog follows


async def test_deleting_the_interview_deletes_the_candidate_from_the_workspace(make_client: ClientFactory) -> None:
    client = await make_client()
    admin, _, position = await _setup(client)
    created = await (
        await client.post(
            f"/api/workspace/positions/{position}/candidates",
            json={"candidates": [{"name": "Ada", "email": "ada@example.com"}, {"name": "Grace"}]},
            headers=admin.headers,
        )
    ).json()
    ada = created["created"][0]
    deleted = await client.delete(f"/api/rooms/{ada['room_id']}", headers={"Authorization": "Bearer " + _admin_token()})
    assert deleted.status == 204
    assert (await client.get(f"/api/workspace/candidates/{ada['id']}", headers=admin.headers)).status == 404
    board = await (await client.get(f"/api/workspace/positions/{position}/board", headers=admin.headers)).json()
    assert [c["name"] for c in board["candidates"]] == ["Grace"]
    assert await client.server.app[HIRING].activity(ada["id"]) == []


async def test_reconciliation_catches_up_with_interviews_the_board_missed(make_client: ClientFactory) -> None:
    """As when another node ran the interview: no event reached this node's board; the store knows."""
    client = await make_client()
    admin, _, position = await _setup(client)
    app = client.server.app
    created = await (
        await client.post(
            f"/api/workspace/positions/{position}/candidates",
            json={"candidates": [{"name": "Ada"}, {"name": "Grace"}]},
            headers=admin.headers,
        )
    ).json()
    ada = created["created"][0]
    app[INTERVIEWS].listeners.clear()  # this node hears nothing
    end = await client.post(f"/api/rooms/{ada['room_id']}/end", headers={"Authorization": "Bearer " + _admin_token()})
    assert end.status == 200
    for _ in range(100):
        if await app[STORE].get_report(ada["room_id"]) is not None:
            break
        await _sleep()
    assert (await app[HIRING].get_candidate(ada["id"])).stage.value == "invited"
    assert await reconcile(app, 0, limit=1) != 0  # a full batch: there is more after it
    assert await reconcile(app, 0) == 0
    assert (await app[HIRING].get_candidate(ada["id"])).stage.value == "completed"
    assert (await app[HIRING].get_candidate(created["created"][1]["id"])).stage.value == "invited"

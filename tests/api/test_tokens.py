"""Issue 14, finding 4: the report link was the lead interviewer's token (it could end the interview or join the
call), no link could be revoked, tokens lived 7 days, and the admin token travelled in page URLs."""

from __future__ import annotations

import jwt
from aiohttp.test_utils import TestClient

from tests.api.conftest import ClientFactory, admin
from tests.support.auth import ADMIN_TOKEN


async def _room(client: TestClient) -> dict:
    response = await client.post("/api/rooms", json={"title": "Engineer", "candidate_name": "Ada"}, headers=admin())
    assert response.status == 201
    return await response.json()


def _token(url: str) -> str:
    return url.split("token=", 1)[1]


async def test_report_link_only_reads(client: TestClient) -> None:
    room = await _room(client)
    reader = _token(room["report_url"])
    assert reader != _token(room["interviewer_url"])
    assert _token(room["replay_url"]) == reader
    rid = room["id"]
    # Reading is allowed (409: the interview has not ended yet, so there is no report to read).
    assert (await client.get(f"/api/rooms/{rid}/report", headers=admin(reader))).status == 409
    assert (await client.get(f"/api/rooms/{rid}", headers=admin(reader))).status == 200
    # Everything else is refused: steering, joining, watching live, deciding.
    for method, path in (
        ("POST", f"/api/rooms/{rid}/end"),
        ("POST", f"/api/rooms/{rid}/marks"),
        ("POST", f"/api/rooms/{rid}/view"),
        ("GET", f"/api/rooms/{rid}/live"),
        ("GET", f"/api/rooms/{rid}/signal"),
        ("PUT", f"/api/rooms/{rid}/decision"),
        ("POST", f"/api/rooms/{rid}/notes"),
        ("GET", f"/rooms/{rid}/dashboard"),
    ):
        response = await client.request(method, path, json={}, headers=admin(reader))
        assert response.status == 403, (method, path, response.status)


async def test_revoking_links_stops_old_tokens_and_hands_out_new_ones(client: TestClient) -> None:
    room = await _room(client)
    old = {key: _token(room[key]) for key in ("candidate_url", "interviewer_url", "report_url")}
    response = await client.post(f"/api/rooms/{room['id']}/links/revoke", headers=admin())
    assert response.status == 200
    renewed = await response.json()
    for key, token in old.items():
        response = await client.get(f"/api/rooms/{room['id']}", headers=admin(token))
        assert response.status == 401, key
        assert "revoked" in (await response.json())["error"]
        fresh = _token(renewed[key])
        assert (await client.get(f"/api/rooms/{room['id']}", headers=admin(fresh))).status == 200, key
    audit = await (await client.get(f"/api/audit?room_id={room['id']}", headers=admin())).json()
    assert [e["action"] for e in audit["entries"]] == ["links.revoke"]
    assert audit["entries"][0]["role"] == "admin" and ADMIN_TOKEN not in str(audit)


async def test_default_lifetimes_are_shorter_and_configurable(make_client: ClientFactory) -> None:
    client = await make_client(report_link_ttl_s=3600)
    room = await _room(client)
    interviewer = jwt.decode(_token(room["interviewer_url"]), options={"verify_signature": False})
    reader = jwt.decode(_token(room["report_url"]), options={"verify_signature": False})
    assert interviewer["exp"] - interviewer["iat"] == 3 * 24 * 3600  # was 7 days
    assert reader["exp"] - reader["iat"] == 3600 and reader["ro"] is True


async def test_admin_pages_never_take_the_admin_token_in_their_url(client: TestClient) -> None:
    for page in ("/admin/templates", "/admin/webhooks"):
        response = await client.get(f"{page}?token={ADMIN_TOKEN}", allow_redirects=False)
        assert response.status == 303 and response.headers["Location"].startswith("/login?next=")
        assert ADMIN_TOKEN not in response.headers["Location"]
        # Scripts send the token in a header; people sign in (the workspace's session cookie, with CSRF).
        response = await client.get(page, headers=admin())
        assert response.status == 200 and ADMIN_TOKEN not in await response.text()
        assert (await client.get(page, headers=admin("wrong"))).status == 401

"""Issue 14, finding 4: the report link was the lead interviewer's token (it could end the interview or join the
call), no link could be revoked, tokens lived 7 days, and the admin token travelled in page URLs."""

from __future__ import annotations

import jwt
from aiohttp.test_utils import TestClient

from server.requests import ADMIN_COOKIE, CSRF_HEADER
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


async def test_admin_pages_use_a_session_cookie_not_the_token_in_the_url(client: TestClient) -> None:
    response = await client.get("/admin/templates", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/admin/sign-in")
    # An old bookmark with the token is exchanged once for the cookie, then the address loses the token.
    response = await client.get(f"/admin/templates?token={ADMIN_TOKEN}", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/admin/templates"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=3600" in cookie
    session = response.cookies[ADMIN_COOKIE].value
    client.session.cookie_jar.update_cookies({ADMIN_COOKIE: session})
    page = await client.get("/admin/templates")
    html = await page.text()
    assert page.status == 200 and ADMIN_TOKEN not in html
    csrf = html.split('"csrf": "', 1)[1].split('"', 1)[0]
    template = {"title": "Backend", "questions": [{"text": "Tell me about a project."}]}
    # The cookie alone does not change anything: a forged cross-site form would carry it, not the CSRF value.
    assert (await client.post("/api/templates", json=template)).status == 403
    assert (await client.post("/api/templates", json=template, headers={CSRF_HEADER: "0" * 32})).status == 403
    assert (await client.post("/api/templates", json=template, headers={CSRF_HEADER: csrf})).status == 201
    assert (await client.get("/api/templates")).status == 200  # reads need no CSRF value


async def test_sign_in_form(client: TestClient) -> None:
    page = await client.get("/admin/sign-in?next=/admin/webhooks")
    assert page.status == 200 and 'name="token"' in await page.text()
    response = await client.post(
        "/admin/sign-in", data={"token": "wrong", "next": "/admin/webhooks"}, allow_redirects=False
    )
    assert response.status == 401
    for target, expected in (("/admin/webhooks", "/admin/webhooks"), ("//evil.example/x", "/admin/templates")):
        response = await client.post(
            "/admin/sign-in", data={"token": ADMIN_TOKEN, "next": target}, allow_redirects=False
        )
        assert response.status == 303 and response.headers["Location"] == expected
        assert ADMIN_COOKIE in response.cookies

"""Every kind of bad input gets a 4xx with a JSON error body, and the server keeps serving."""

from __future__ import annotations

import jwt
import pytest

from tests.support.app import Api
from tests.support.auth import room_token


@pytest.fixture
async def room(api: Api) -> dict:
    return await api.create_room()


def _assert_json_error(status: int, body: object, expected: int) -> None:
    assert status == expected, body
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], body


async def test_room_creation_returns_role_links(api: Api, room: dict) -> None:
    assert room["status"] == "waiting"
    assert room["candidate_url"].startswith(f"/rooms/{room['id']}/join?token=")
    assert room["interviewer_url"].startswith(f"/rooms/{room['id']}/dashboard?token=")
    status, fetched = await api.request("GET", f"/api/rooms/{room['id']}")
    assert status == 200 and fetched["status"] == "waiting"


@pytest.mark.parametrize(
    ("token", "expected"),
    [(None, 401), ("not-a-token", 401), ("Bearer", 401)],
)
async def test_bad_admin_tokens(api: Api, token: str | None, expected: int) -> None:
    status, body = await api.request("POST", "/api/rooms", {"title": "x", "candidate_name": "y"}, token=token)
    _assert_json_error(status, body, expected)


async def test_expired_and_forged_tokens(api: Api, room: dict) -> None:
    claims = {"sub": room["id"], "role": "interviewer", "iat": 1, "exp": 2}
    forged = jwt.encode({**claims, "exp": 4102444800}, "a-different-signing-key-of-32-bytes!!", algorithm="HS256")
    for token in (forged,):
        status, body = await api.request("GET", f"/api/rooms/{room['id']}/report", token=token)
        _assert_json_error(status, body, 401)
    signing_key = (api.data_dir / "signing_key").read_text().strip()
    expired = jwt.encode(claims, signing_key, algorithm="HS256")
    status, body = await api.request("GET", f"/api/rooms/{room['id']}/report", token=expired)
    _assert_json_error(status, body, 401)
    assert "expired" in body["error"]


async def test_candidate_cannot_read_scores(api: Api, room: dict) -> None:
    candidate = room_token(room["candidate_url"])
    for method, path in [
        ("GET", f"/api/rooms/{room['id']}/report"),
        ("GET", f"/api/rooms/{room['id']}/timeline"),
        ("GET", f"/api/rooms/{room['id']}/live"),
        ("POST", f"/api/rooms/{room['id']}/end"),
        ("GET", f"/rooms/{room['id']}/report?token={candidate}"),
    ]:
        status, body = await api.request(method, path, token=candidate)
        assert status == 403, (path, body)
    status, body = await api.request("POST", "/api/rooms", {"title": "x", "candidate_name": "y"}, token=candidate)
    assert status == 403


async def test_token_for_another_room(api: Api, room: dict) -> None:
    other = await api.create_room(title="Other")
    status, body = await api.request("GET", f"/api/rooms/{other['id']}", token=room_token(room["interviewer_url"]))
    _assert_json_error(status, body, 401)


async def test_unknown_room(api: Api) -> None:
    status, body = await api.request("GET", "/api/rooms/does-not-exist")
    _assert_json_error(status, body, 404)
    status, body = await api.request("POST", "/api/rooms/does-not-exist/end")
    _assert_json_error(status, body, 404)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"{not json", "malformed JSON"),
        (b"[1, 2]", "object"),
        (b'{"title": "", "candidate_name": "x"}', "title"),
        (b'{"title": "x"}', "candidate_name"),
        (b"\xff\xfe", "malformed JSON"),
    ],
)
async def test_malformed_bodies(api: Api, raw: bytes, fragment: str) -> None:
    status, body = await api.request("POST", "/api/rooms", raw=raw)
    _assert_json_error(status, body, 400)
    assert fragment in body["error"]


async def test_oversized_body(api: Api) -> None:
    status, body = await api.request("POST", "/api/rooms", raw=b'{"title": "' + b"x" * 400_000 + b'"}')
    _assert_json_error(status, body, 413)


@pytest.mark.parametrize(
    "offer",
    [
        {"type": "offer", "sdp": "this is not sdp"},
        {"type": "offer", "sdp": "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"},
        {"type": "answer", "sdp": "v=0"},
        {"type": "offer"},
        {"type": "offer", "sdp": 42},
    ],
)
async def test_malformed_offers(api: Api, room: dict, offer: dict) -> None:
    candidate = room_token(room["candidate_url"])
    status, body = await api.request("POST", f"/api/rooms/{room['id']}/offer", offer, token=candidate)
    _assert_json_error(status, body, 400)


@pytest.mark.parametrize(
    ("body", "expected"),
    [({"name": "coffee_break"}, 400), ({"name": "question_end", "label": 5}, 400), ({"name": "question_end"}, 409)],
)
async def test_bad_markers(api: Api, room: dict, body: dict, expected: int) -> None:
    status, answer = await api.request(
        "POST", f"/api/rooms/{room['id']}/marks", body, token=room_token(room["interviewer_url"])
    )
    _assert_json_error(status, answer, expected)


async def test_view_before_candidate_streams(api: Api, room: dict) -> None:
    interviewer = room_token(room["interviewer_url"])
    status, body = await api.request(
        "POST", f"/api/rooms/{room['id']}/view", {"type": "offer", "sdp": "v=0\r\nm=video 9 x\r\n"}, token=interviewer
    )
    _assert_json_error(status, body, 409)


async def test_unknown_route_and_method(api: Api) -> None:
    status, body = await api.request("GET", "/api/nothing-here")
    _assert_json_error(status, body, 404)
    status, body = await api.request("DELETE", "/api/rooms")
    _assert_json_error(status, body, 405)


async def test_pages_show_readable_errors(api: Api, room: dict) -> None:
    status, body = await api.request("GET", f"/rooms/{room['id']}/join?token=nonsense", token=None)
    assert status == 401 and "<html" in body.lower()
    status, body = await api.request("GET", f"/rooms/nope/join?token={room_token(room['candidate_url'])}", token=None)
    assert status == 401  # the token names another room


async def test_server_still_serves_after_bad_input(api: Api) -> None:
    assert (await api.request("POST", "/api/rooms", raw=b"{not json"))[0] == 400
    assert (await api.request("POST", "/api/rooms", raw=b'{"title": "' + b"x" * 400_000 + b'"}'))[0] == 413
    assert (await api.request("GET", "/healthz", token=None))[0] == 200
    assert (await api.create_room())["status"] == "waiting"

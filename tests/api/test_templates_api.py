"""Question templates through the API: CRUD, validation as JSON 4xx, rooms created from a template, and the
one-way script endpoint as the candidate sees it before connecting."""

from __future__ import annotations

import sqlite3

import pytest

from tests.support.app import Api
from tests.support.auth import ADMIN_TOKEN, room_token

TEMPLATE = {
    "title": "Backend engineer",
    "role": "Backend engineer",
    "questions": [
        {"text": "Tell us about a system you built.", "think_s": 30, "answer_s": 120, "retakes": 1},
        {"text": "How do you debug a slow query?", "keywords": ["index", "explain"], "rubric": "mentions EXPLAIN"},
    ],
    "rules": [
        {"when": "overall >= 80", "then": "advance"},
        {"measure": "face_presence", "op": "<", "value": 0.7, "outcome": "needs_review"},
    ],
}


def _assert_json_error(status: int, body: object, expected: int, fragment: str = "") -> None:
    assert status == expected, body
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], body
    assert fragment in body["error"], body


@pytest.fixture
async def template(api: Api) -> dict:
    status, body = await api.request("POST", "/api/templates", TEMPLATE)
    assert status == 201, body
    return body


async def test_create_read_list(api: Api, template: dict) -> None:
    assert template["id"] and template["version"] == 1
    assert [q["text"] for q in template["questions"]] == [q["text"] for q in TEMPLATE["questions"]]
    assert template["questions"][1]["think_s"] == 30 and template["questions"][1]["answer_s"] == 120  # defaults
    assert template["questions"][1]["keywords"] == ["index", "explain"]
    assert template["practice"]["text"]  # a practice question unless the template turns it off
    assert [r["outcome"] for r in template["rules"]] == ["advance", "needs_review"]
    status, fetched = await api.request("GET", f"/api/templates/{template['id']}")
    assert status == 200 and fetched == template
    status, listed = await api.request("GET", "/api/templates")
    assert status == 200 and template["id"] in [t["id"] for t in listed["templates"]]


async def test_update_versions_and_delete(api: Api) -> None:
    status, created = await api.request("POST", "/api/templates", {**TEMPLATE, "title": "To edit"})
    assert status == 201
    path = f"/api/templates/{created['id']}"
    edited = {**TEMPLATE, "title": "Edited", "practice": None, "version": 1}
    status, updated = await api.request("PUT", path, edited)
    assert status == 200, updated
    assert updated["title"] == "Edited" and updated["version"] == 2 and updated["practice"] is None
    assert updated["created_at"] == created["created_at"] and updated["updated_at"] >= created["updated_at"]
    status, body = await api.request("PUT", path, edited)  # still says version 1: someone else saved since
    _assert_json_error(status, body, 409, "version")
    status, body = await api.request("DELETE", path)
    assert status == 204
    for method in ("GET", "DELETE"):
        status, body = await api.request(method, path)
        _assert_json_error(status, body, 404)
    status, body = await api.request("PUT", path, TEMPLATE)
    _assert_json_error(status, body, 404)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"questions": [{"text": "q"}]}, "title"),
        ({"title": "t"}, "questions"),
        ({"title": "t", "questions": []}, "questions"),
        ({"title": "t", "questions": ["just text"]}, "questions[0]"),
        ({"title": "t", "questions": [{"text": " "}]}, "questions[0].text"),
        ({"title": "t", "questions": [{"text": "q", "think_s": -5}]}, "think_s"),
        ({"title": "t", "questions": [{"text": "q", "answer_s": "long"}]}, "answer_s"),
        ({"title": "t", "questions": [{"text": "q", "retakes": 1.5}]}, "retakes"),
        ({"title": "t", "questions": [{"text": "q", "media_url": "javascript:alert(1)"}]}, "media_url"),
        ({"title": "t", "questions": [{"text": "q", "keywords": "a,b"}]}, "keywords"),
        ({"title": "t", "questions": [{"text": "q"}], "rules": [{"when": "overall > 8", "then": "hire"}]}, "rules[0]"),
        ({"title": "t", "questions": [{"text": "q"}], "rules": [{"when": "overall ~ 8", "then": "advance"}]}, "when"),
        ({"title": "t", "questions": [{"text": "q"}] * 51}, "at most"),
    ],
)
async def test_invalid_templates_are_400_json(api: Api, body: dict, fragment: str) -> None:
    status, answer = await api.request("POST", "/api/templates", body)
    _assert_json_error(status, answer, 400, fragment)


async def test_malformed_json_and_auth(api: Api, template: dict) -> None:
    status, body = await api.request("POST", "/api/templates", raw=b"{nope")
    _assert_json_error(status, body, 400, "malformed JSON")
    status, body = await api.request("GET", "/api/templates", token=None)
    _assert_json_error(status, body, 401)
    room = await api.create_room()
    for role_url in ("candidate_url", "interviewer_url"):
        token = room_token(room[role_url])
        status, body = await api.request("GET", f"/api/templates/{template['id']}", token=token)
        _assert_json_error(status, body, 403)
        status, body = await api.request("POST", "/api/templates", TEMPLATE, token=token)
        _assert_json_error(status, body, 403)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"template_id": "no-such-template"}, "template"),
        ({"template_id": 42}, "template_id"),
        ({"mode": "video-call"}, "mode"),
        ({"mode": "one_way"}, "template_id"),
        ({"language": "Mandarin please"}, "language"),
        ({"language": 7}, "language"),
    ],
)
async def test_room_creation_validates_template_and_mode(api: Api, extra: dict, fragment: str) -> None:
    status, body = await api.request("POST", "/api/rooms", {"title": "x", "candidate_name": "y", **extra})
    _assert_json_error(status, body, 400, fragment)


async def test_room_language_from_body_else_template_else_default(api: Api) -> None:
    status, room = await api.request("POST", "/api/rooms", {"title": "x", "candidate_name": "王小明", "language": "zh"})
    assert status == 201 and room["language"] == "zh", room
    status, fetched = await api.request("GET", f"/api/rooms/{room['id']}")
    assert status == 200 and fetched["language"] == "zh"
    status, default_room = await api.request("POST", "/api/rooms", {"title": "x", "candidate_name": "y"})
    assert status == 201 and default_room["language"] == "auto"  # the server's --language
    status, zh_template = await api.request("POST", "/api/templates", {**TEMPLATE, "language": "auto"})
    assert status == 201 and zh_template["language"] == "auto", zh_template
    status, from_template = await api.request(
        "POST", "/api/rooms", {"candidate_name": "y", "template_id": zh_template["id"]}
    )
    assert status == 201 and from_template["language"] == "auto"
    body = {"candidate_name": "y", "template_id": zh_template["id"], "language": "en"}
    status, overridden = await api.request("POST", "/api/rooms", body)
    assert status == 201 and overridden["language"] == "en"
    status, bad = await api.request("POST", "/api/templates", {**TEMPLATE, "language": ""})
    _assert_json_error(status, bad, 400, "language")


async def test_one_way_room_from_template(api: Api, template: dict) -> None:
    status, room = await api.request(
        "POST", "/api/rooms", {"candidate_name": "Ada Lovelace", "template_id": template["id"], "mode": "one_way"}
    )
    assert status == 201, room
    assert room["mode"] == "one_way" and room["template_id"] == template["id"]
    assert room["title"] == template["title"]  # taken from the template when left out
    candidate = room_token(room["candidate_url"])
    script = f"/api/rooms/{room['id']}/script"
    status, view = await api.request("GET", script, token=candidate)
    assert status == 200, view
    assert view["phase"] == "intro" and view["count"] == 2 and view["actions"] == ["practice", "start"]
    # The room keeps its copy: editing the template afterwards changes nothing for this candidate.
    status, _ = await api.request("PUT", f"/api/templates/{template['id']}", {**TEMPLATE, "questions": [{"text": "x"}]})
    assert status == 200
    status, view = await api.request("GET", script, token=candidate)
    assert view["count"] == 2
    # Starting needs the camera and microphone connected; practice does not.
    status, body = await api.request("POST", script, {"action": "start", "seq": view["seq"]}, token=candidate)
    _assert_json_error(status, body, 409, "not connected")
    status, view = await api.request("POST", script, {"action": "practice", "seq": view["seq"]}, token=candidate)
    assert status == 200 and view["phase"] == "practice_think" and view["practice"] is True
    assert view["deadline"] > view["server_time"] and view["question"]["text"]
    # A stale step (an old seq) and unknown actions are refused.
    status, body = await api.request("POST", script, {"action": "answer", "seq": view["seq"] - 1}, token=candidate)
    _assert_json_error(status, body, 409)
    for bad, fragment in (({"action": "skip"}, "action"), ({"action": "answer", "seq": "1"}, "seq"), ({}, "action")):
        status, body = await api.request("POST", script, bad, token=candidate)
        _assert_json_error(status, body, 400, fragment)
    # The candidate never sees assessors' notes; the interviewer may read the step, not act on it.
    assert "EXPLAIN" not in repr(view) and "keywords" not in repr(view)
    interviewer = room_token(room["interviewer_url"])
    assert (await api.request("GET", script, token=interviewer))[0] == 200
    status, body = await api.request("POST", script, {"action": "answer"}, token=interviewer)
    _assert_json_error(status, body, 403)


async def test_live_room_with_template_has_no_script(api: Api, template: dict) -> None:
    status, room = await api.request(
        "POST", "/api/rooms", {"title": "Live", "candidate_name": "Grace", "template_id": template["id"]}
    )
    assert status == 201 and room["mode"] == "live" and room["template_id"] == template["id"]
    status, body = await api.request("GET", f"/api/rooms/{room['id']}/script", token=room_token(room["candidate_url"]))
    _assert_json_error(status, body, 404)


async def test_admin_page(api: Api) -> None:
    # The admin token in a header (scripts) or the sign-in cookie (people): never in the page's URL.
    status, page = await api.request("GET", "/admin/templates", token=ADMIN_TOKEN)
    assert status == 200 and "tpl-form" in page and ADMIN_TOKEN not in page
    status, page = await api.request("GET", "/admin/templates", token="wrong")
    assert status == 401


async def test_deleting_a_one_way_room_drops_its_script(api: Api, template: dict) -> None:
    status, room = await api.request(
        "POST", "/api/rooms", {"candidate_name": "To delete", "template_id": template["id"], "mode": "one_way"}
    )
    assert status == 201
    assert (await api.request("DELETE", f"/api/rooms/{room['id']}"))[0] == 204
    status, body = await api.request("GET", f"/api/rooms/{room['id']}/script")
    _assert_json_error(status, body, 404)
    with sqlite3.connect(api.data_dir / "interviews.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM room_scripts WHERE room_id=?", (room["id"],)).fetchone() == (0,)

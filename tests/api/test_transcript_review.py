"""Interviewers correct transcript lines after the interview; the report shows the corrected text, the template's
keywords per question (with synonyms and passages) and the language transcribed. App in process, no models: the
timeline's transcript observations are written as the analyzer writes them."""

from __future__ import annotations

import asyncio
from typing import Any

from rooms.model import Observation, ObservationType
from server.keys import STORE
from tests.support.app import Api
from tests.support.auth import room_token

TEMPLATE = {
    "title": "Payments engineer",
    "questions": [
        {"text": "Tell us about a system you built.", "keywords": ["支付|付款|payment", "数据库|database", "Kafka"]},
        {"text": "How do you debug a slow query?"},
    ],
}


def _final(t: float, text: str, language: str = "zh") -> Observation:
    detail = {"words": [], "start": t - 2.0, "end": t, "language": language, "units": len(text), "syllables": 0}
    return Observation(ObservationType.TRANSCRIPT, "final", text, t, 1000.0 + t, detail)


async def _ended_room(api: Api, finals: list[Observation], markers: list[Observation] | None = None) -> dict:
    status, template = await api.request("POST", "/api/templates", TEMPLATE)
    assert status == 201, template
    status, room = await api.request(
        "POST", "/api/rooms", {"candidate_name": "王小明", "template_id": template["id"], "language": "auto"}
    )
    assert status == 201, room
    status_on = [
        Observation(ObservationType.STATUS, "transcript", "on", 0.0, 1000.0, {"engine": "whisper", "language": "auto"}),
        Observation(
            ObservationType.STATUS,
            "transcript",
            "on",
            1.0,
            1001.0,
            {"engine": "whisper", "language": "zh", "detected": True},
        ),
    ]
    await api.client.app[STORE].append_observations(room["id"], [*status_on, *(markers or []), *finals])
    status, ended = await api.request("POST", f"/api/rooms/{room['id']}/end")
    assert status == 200, ended
    return room


async def _report(api: Api, room_id: str) -> dict[str, Any]:
    for _ in range(100):
        status, report = await api.request("GET", f"/api/rooms/{room_id}/report")
        if status == 200:
            return report
        assert status == 202, report
        await asyncio.sleep(0.05)
    raise AssertionError("no report")


async def test_a_corrected_line_replaces_the_text_in_report_and_replay(api: Api) -> None:
    finals = [_final(5.0, "我们团队负责支付系统。"), _final(9.0, "最大的挑战是千一数据酷。")]
    room = await _ended_room(api, finals)
    interviewer = room_token(room["interviewer_url"])
    before = await _report(api, room["id"])
    assert before["transcript"]["detail"]["language"] == "zh"  # the language transcribed, also after "auto"

    status, body = await api.request(
        "POST",
        f"/api/rooms/{room['id']}/transcript/corrections",
        {"t": 9.0, "text": "最大的挑战是迁移数据库。"},
        token=interviewer,
    )
    assert status == 201, body
    assert body["line"] == {
        "t": 9.0,
        "text": "最大的挑战是迁移数据库。",
        "corrected": True,
        "original": "最大的挑战是千一数据酷。",
        "by": "interviewer",
    }
    report = await _report(api, room["id"])
    lines = report["transcript"]["lines"]
    assert [line["text"] for line in lines] == ["我们团队负责支付系统。", "最大的挑战是迁移数据库。"]
    assert lines[1]["corrected"] is True and lines[1]["original"] == "最大的挑战是千一数据酷。"
    assert "corrected" not in lines[0]
    # The recognized final is still in the timeline; the correction sits beside it, with who made it.
    timeline = await api.client.app[STORE].timeline(room["id"])
    assert [o.value for o in timeline if o.name == "final"] == [f.value for f in finals]
    (correction,) = [o for o in timeline if o.name == "correction"]
    assert correction.detail and correction.detail["by"] == "interviewer" and correction.detail["line_t"] == 9.0
    # The replay page's data shows it too, and a second correction of the line wins.
    status, _ = await api.request(
        "POST", f"/api/rooms/{room['id']}/transcript/corrections", {"t": 9.0, "text": "迁移数据库。"}, token=interviewer
    )
    assert status == 201
    status, replay = await api.request("GET", f"/api/rooms/{room['id']}/replay", token=interviewer)
    assert status == 200
    assert [(line["text"], line["corrected"]) for line in replay["transcript"]] == [
        ("我们团队负责支付系统。", False),
        ("迁移数据库。", True),
    ]


async def test_corrections_refuse_bad_input_wrong_roles_and_unknown_lines(api: Api) -> None:
    room = await _ended_room(api, [_final(5.0, "hello there", "en")])
    url = f"/api/rooms/{room['id']}/transcript/corrections"
    for body in ({"t": "5", "text": "x"}, {"t": -1, "text": "x"}, {"t": 5.0, "text": "  "}, {"t": 5.0}, [1, 2]):
        status, answer = await api.request("POST", url, body)
        assert status == 400 and "error" in answer, (body, answer)
    status, answer = await api.request("POST", url, {"t": 5.0, "text": "x" * 2001})
    assert status == 400
    status, answer = await api.request("POST", url, {"t": 7.5, "text": "nothing here"})
    assert status == 404 and "error" in answer
    status, answer = await api.request("POST", url, {"t": 5.0, "text": "hi"}, token=room_token(room["candidate_url"]))
    assert status == 403
    live = await api.create_room()
    status, answer = await api.request("POST", f"/api/rooms/{live['id']}/transcript/corrections", {"t": 1, "text": "x"})
    assert status == 409 and "ended" in answer["error"]


async def test_keyword_coverage_per_question_with_synonyms_and_passages(api: Api) -> None:
    markers = [
        Observation(ObservationType.EVENT, "question_start", "Question 1", 2.0, 1002.0, {"index": 0, "text": "Q1"}),
        Observation(ObservationType.EVENT, "question_start", "Question 2", 20.0, 1020.0, {"index": 1, "text": "Q2"}),
    ]
    finals = [
        _final(8.0, "我负责过一个付款系统，用 kafka 做消息队列。"),
        _final(14.0, "后来我们换了新的存储。"),
        _final(25.0, "我会先看 database 的执行计划。"),
    ]
    room = await _ended_room(api, finals, markers)
    report = await _report(api, room["id"])
    first, second = report["questions"]
    coverage = first["keyword_coverage"]
    assert (coverage["found"], coverage["total"]) == (2, 3)
    by_keyword = {k["keyword"]: k for k in coverage["keywords"]}
    assert by_keyword["支付"]["found"] and by_keyword["支付"]["matched"] == ["付款"]
    assert by_keyword["支付"]["synonyms"] == ["付款", "payment"]
    (passage,) = by_keyword["支付"]["passages"]
    assert "付款系统" in passage["text"] and passage["start"] == 6.0 and passage["end"] == 8.0
    assert by_keyword["Kafka"]["found"]  # case-insensitive, whole word
    assert not by_keyword["数据库"]["found"]  # "database" was said in the second answer, not this one
    assert "keyword_coverage" not in second  # the template lists no keywords for it
    # Assessors only: the candidate's view of the script never carries keywords.
    status, page = await api.request("GET", f"/rooms/{room['id']}/report", token=room_token(room["interviewer_url"]))
    assert status == 200 and "付款系统" in page and "2 of 3 found" in page

"""The candidate's pages in the room's language (or the candidate's browser's), the separate analysis consent, and
error bodies with a stable code."""

from __future__ import annotations

import json
import re

import pytest
from aiohttp.test_utils import TestClient

from tests.support.auth import ADMIN_TOKEN
from tests.support.i18n import english_words

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
async def client(make_client) -> TestClient:
    return await make_client(organisation="星辰零售集团", rights_contact="privacy@example.cn")


async def _room(client: TestClient, **extra: str) -> dict:
    response = await client.post(
        "/api/rooms", json={"title": "门店经理", "candidate_name": "李娜", **extra}, headers=AUTH
    )
    assert response.status == 201, await response.text()
    return await response.json()


async def test_candidate_pages_render_in_chinese_with_no_english_left(client: TestClient) -> None:
    room = await _room(client, language="zh")  # the room's language wins over the browser's
    token = room["candidate_url"].split("token=")[1]
    for path in (room["candidate_url"], f"/rooms/{room['id']}/check?token={token}"):
        response = await client.get(path, headers=EN)
        html = await response.text()
        assert response.status == 200, html
        assert '<html lang="zh-CN">' in html
        leftovers = english_words(html, {"privacy", "example"})  # the rights contact, privacy@example.cn
        assert not leftovers, (path, leftovers)
    html = await (await client.get(room["candidate_url"])).text()
    assert "对您面部和声音的分析（敏感个人信息）" in html and "privacy@example.cn" in html
    assert 'name="analysis" value="yes"' in html and 'name="analysis" value="no"' in html
    # The JavaScript's messages come from the same catalog, as JSON: no inline script code.
    block = re.search(r'<script type="application/json" id="i18n-catalog">(.*?)</script>', html, re.S)
    catalog = json.loads(block.group(1))
    assert catalog["locale"] == "zh-CN"
    assert catalog["messages"]["Connected — the interview is live"] == "已连接 — 面试进行中"
    # "auto": the candidate's browser decides.
    auto = await _room(client, language="auto")
    english = await (await client.get(auto["candidate_url"], headers=EN)).text()
    assert '<html lang="en">' in english and "Analysis of your face and voice" in english
    chinese = await (await client.get(auto["candidate_url"], headers=ZH)).text()
    assert '<html lang="zh-CN">' in chinese


async def test_error_pages_follow_the_viewer_language(client: TestClient) -> None:
    response = await client.get("/rooms/nope/join?token=forged", headers=ZH)
    html = await response.text()
    assert response.status == 401 and "此链接无效" in html and not english_words(html)
    response = await client.get("/rooms/nope/join?token=forged&lang=en", headers=ZH)
    assert "This link is not valid" in await response.text()
    assert response.cookies["lang"].value == "en"  # remembered


async def test_consent_is_recorded_and_api_errors_carry_a_code(client: TestClient) -> None:
    room = await _room(client)
    token = room["candidate_url"].split("token=")[1]
    headers = {"Authorization": f"Bearer {token}"}
    body = {"analysis": False, "text_version": "2026-12-06.1", "language": "zh-CN"}
    response = await client.post(f"/api/rooms/{room['id']}/consent", json=body, headers=headers)
    assert response.status == 201, await response.text()
    timeline = await (await client.get(f"/api/rooms/{room['id']}/timeline", headers=AUTH)).json()
    consent = [o for o in timeline["observations"] if o["name"] == "consent"]
    assert len(consent) == 1 and consent[0]["detail"]["language"] == "zh-CN" and consent[0]["value"] is False
    response = await client.post(f"/api/rooms/{room['id']}/consent", json={"analysis": "yes"}, headers=headers)
    error = await response.json()
    assert response.status == 400 and error["code"] == "invalid_input" and "analysis" in error["error"]
    response = await client.get("/api/rooms/missing", headers=AUTH)
    assert response.status == 404 and (await response.json())["code"] == "not_found"
    response = await client.get(f"/api/rooms/{room['id']}/report", headers={"Authorization": "Bearer junk"})
    assert response.status == 401 and (await response.json())["code"] == "unauthorized"

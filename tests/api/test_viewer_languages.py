"""HR, interviewer, replay and admin pages in the viewer's language: ?lang= (remembered in a cookie), then
Accept-Language, then --default-language; in zh-CN no English is left beyond names, units and code."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.support.auth import ADMIN_TOKEN
from tests.support.i18n import english_words

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
# Code-like words the admin pages show on purpose (rule syntax, API fields) and the test's own data.
CODE = {"needs", "review", "presence", "face", "one", "way", "template", "candidate", "interviewer", "report", "url",
        "measure", "op", "value", "outcome", "advance", "hold", "needs_review", "reject", "overall", "face_presence",
        "mode", "one_way", "template_id", "candidate_url", "interviewer_url", "report_url", "Authorization",
        "language", "zh", "qr", "svg", "rooms", "invitation", "webhooks", "Interview", "Signature", "X-Interview"}


async def _pages(client: TestClient) -> list[str]:
    response = await client.post("/api/rooms", json={"title": "门店经理", "candidate_name": "李娜"}, headers=AUTH)
    room = await response.json()
    ended = await (await client.post("/api/rooms", json={"title": "客服专员", "candidate_name": "王芳"},
                                     headers=AUTH)).json()
    token = ended["interviewer_url"].split("token=")[1]
    response = await client.post(f"/api/rooms/{ended['id']}/end", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200, await response.text()
    return [
        "/",
        room["interviewer_url"],
        room["observer_url"],
        f"/rooms/{ended['id']}/replay?token={token}",
        f"/admin/templates?token={ADMIN_TOKEN}",
        f"/admin/webhooks?token={ADMIN_TOKEN}",
        "/rooms/missing/dashboard?token=x",  # an error page
    ]


async def test_viewer_pages_in_chinese_leave_no_english(make_client) -> None:
    client = await make_client(default_language="zh-CN")
    for path in await _pages(client):
        response = await client.get(path)  # no Accept-Language: the organisation default
        html = await response.text()
        assert response.status in (200, 401), (path, html[:500])
        assert '<html lang="zh-CN">' in html, path
        leftovers = english_words(html, CODE)
        assert not leftovers, (path, leftovers)


async def test_lang_parameter_wins_and_is_remembered(make_client) -> None:
    client = await make_client()
    pages = await _pages(client)
    dashboard = pages[1]
    english = await (await client.get(dashboard, headers=ZH | {"Accept-Language": "en"})).text()
    assert "End interview" in english
    assert "结束面试" in await (await client.get(dashboard, headers=ZH)).text()
    response = await client.get(dashboard + "&lang=en", headers=ZH)
    assert "End interview" in await response.text() and response.cookies["lang"].value == "en"
    # The cookie now speaks for this viewer over the browser's header.
    assert "End interview" in await (await client.get(dashboard, headers=ZH)).text()

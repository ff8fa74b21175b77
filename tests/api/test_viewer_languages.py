"""HR, interviewer, replay and admin pages in the viewer's language: ?lang= (remembered in a cookie), then
Accept-Language, then --default-language; in zh-CN no English is left beyond names, units and code."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from aiohttp.test_utils import TestClient

from tests.support.auth import ADMIN_TOKEN
from tests.support.i18n import english_words
from tests.support.pdf import pdf_text

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
# Code-like words the admin pages show on purpose (rule syntax, API fields) and the test's own data.
CODE = {
    "needs",
    "review",
    "presence",
    "face",
    "one",
    "way",
    "template",
    "candidate",
    "interviewer",
    "report",
    "url",
    "measure",
    "op",
    "value",
    "outcome",
    "advance",
    "hold",
    "needs_review",
    "reject",
    "overall",
    "face_presence",
    "mode",
    "one_way",
    "template_id",
    "candidate_url",
    "interviewer_url",
    "report_url",
    "Authorization",
    "language",
    "zh",
    "qr",
    "svg",
    "rooms",
    "invitation",
    "webhooks",
    "Interview",
    "Signature",
    "X-Interview",
}


async def _pages(client: TestClient) -> list[str]:
    response = await client.post("/api/rooms", json={"title": "门店经理", "candidate_name": "李娜"}, headers=AUTH)
    room = await response.json()
    ended = await (
        await client.post("/api/rooms", json={"title": "客服专员", "candidate_name": "王芳"}, headers=AUTH)
    ).json()
    token = ended["interviewer_url"].split("token=")[1]
    response = await client.post(f"/api/rooms/{ended['id']}/end", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200, await response.text()
    for _ in range(400):  # the report is written in the background, within moments of the end (20 s at most)
        report = await client.get(f"/api/rooms/{ended['id']}/report", headers={"Authorization": f"Bearer {token}"})
        if report.status == 200:
            break
        await asyncio.sleep(0.05)
    return [
        "/",
        room["interviewer_url"],
        room["observer_url"],
        f"/rooms/{ended['id']}/replay?token={token}",
        f"/rooms/{ended['id']}/report?token={token}",
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
        # A room id or token in the page is data, however English its random letters read ("bUzvDAQMs").
        data = set(re.findall(r"[A-Za-z][A-Za-z']{2,}", path))
        leftovers = english_words(html, CODE | data)
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


async def test_report_pdf_follows_lang(make_client, tmp_path: Path) -> None:
    client = await make_client(time_zone="Asia/Shanghai")
    pages = await _pages(client)
    report_page = pages[4]
    html = await (await client.get(report_page + "&lang=zh-CN")).text()
    assert "面试报告" in html and "王芳" in html and "lang=zh-CN" in html  # the PDF link keeps the language
    token = report_page.split("token=")[1]
    room_id = report_page.split("/")[2]
    response = await client.get(f"/api/rooms/{room_id}/report.pdf?lang=zh-CN&token={token}")
    assert response.status == 200, await response.text()
    text = pdf_text(await response.read(), tmp_path)
    assert "面试报告" in text and "王芳" in text and "客服专员" in text
    english = pdf_text(
        await (await client.get(f"/api/rooms/{room_id}/report.pdf?lang=en&token={token}")).read(), tmp_path
    )
    assert "Report generated" in english and "面试报告" not in english  # one cached PDF per language

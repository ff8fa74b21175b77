"""HR's QR code (segno, SVG and PNG) and invitation text for a candidate link, with HR or admin credentials only."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.support.auth import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def test_qr_codes_and_invitation_text(make_client) -> None:
    client: TestClient = await make_client(organisation="星辰零售集团", public_url="https://interviews.example.cn")
    response = await client.post("/api/rooms", json={"title": "门店经理", "candidate_name": "李娜"}, headers=AUTH)
    room = await response.json()
    base = f"/api/rooms/{room['id']}"

    svg = await client.get(f"{base}/qr.svg", headers=AUTH)
    body = await svg.text()
    assert svg.status == 200 and svg.content_type == "image/svg+xml" and body.lstrip().startswith("<svg")
    png = await client.get(f"{base}/qr.png", headers=AUTH)
    data = await png.read()
    assert png.status == 200 and png.content_type == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n"

    zh = await (await client.get(f"{base}/invitation?lang=zh-CN", headers=AUTH)).json()
    assert zh["language"] == "zh-CN" and zh["url"].startswith("https://interviews.example.cn/rooms/")
    assert "李娜 您好" in zh["text"] and "星辰零售集团" in zh["text"] and zh["url"] in zh["text"]
    en = await (await client.get(f"{base}/invitation?lang=en", headers=AUTH)).json()
    assert en["text"].startswith("Hello 李娜") and en["url"] in en["text"]
    # The link in the QR code opens the candidate's page.
    join = await client.get(zh["url"].removeprefix("https://interviews.example.cn"))
    assert join.status == 200

    candidate = {"Authorization": "Bearer " + room["candidate_url"].split("token=")[1]}
    for path in ("qr.svg", "qr.png", "invitation"):
        response = await client.get(f"{base}/{path}", headers=candidate)
        assert response.status == 403 and (await response.json())["code"] == "forbidden"
